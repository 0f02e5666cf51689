"""A teacher uploading a broken or oversized picture to the school's media library gets a clear message."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from wagtail.images import get_image_model


def _png(size: tuple[int, int], mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content,expected",
    [
        (lambda: b"\x89PNG\r\n\x1a\n" + b"broken" * 100, "Upload a valid image"),
        (lambda: _png((10000, 10000), mode="1"), "pixels"),
        (lambda: b"GIF89a" + b"\x00" * 20, "Not a valid .png image"),
    ],
    ids=["truncated-png", "decompression-bomb", "garbage-gif"],
)
def test_bad_picture_gets_the_form_back_with_a_message(client_as, world, settings, tmp_path, content, expected):
    settings.MEDIA_ROOT = tmp_path
    response = client_as("homeroom_teacher").post(
        reverse("wagtailimages:add"),
        {
            "title": "ふりこ",
            "collection": world.school.collection_id,
            "file": SimpleUploadedFile("furiko.png", content(), content_type="image/png"),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert not get_image_model().objects.exists()


def test_a_good_picture_lands_in_the_schools_collection(client_as, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = client_as("homeroom_teacher").post(
        reverse("wagtailimages:add"),
        {
            "title": "ふりこ",
            "collection": world.school.collection_id,
            "file": SimpleUploadedFile("furiko.png", _png((64, 48)), content_type="image/png"),
        },
    )
    assert response.status_code == 302
    image = get_image_model().objects.get()
    assert (image.width, image.height, image.collection_id) == (64, 48, world.school.collection_id)
