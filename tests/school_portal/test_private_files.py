"""A school's files are not public by their address: documents ask the access policy, images go out as renditions.

A roster CSV uploaded to a school's collection downloaded with no cookie at ``/documents/1/<name>`` (the ids are
sequential), and a teacher's photo as uploaded was public under ``/media/original_images/``. The permission
matrix has a row for each (core/permission_cases.py); here, what a visitor and the school see.
"""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.test import Client
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import PageViewRestriction

from school_portal.core.models import StandardPage

ROSTER = "学年,組,番号,氏名\n3,1,1,山田 花子\n".encode()


def _document(world, title: str = "3年1組 名簿"):
    return get_document_model().objects.create(
        title=title, collection=world.school.collection, file=ContentFile(ROSTER, name="roster.csv")
    )


def _page_linking(world, document, slug: str) -> StandardPage:
    home = world.school.site.root_page
    page = StandardPage(title="お知らせ", slug=slug, body=[("document", {"document": document, "title": "配布物"})])
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


def _download(client: Client, document):
    return client.get(document.url)


def test_a_schools_roster_document_does_not_download_without_signing_in(world):
    document = _document(world)
    response = _download(Client(), document)
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert b"".join(getattr(response, "streaming_content", [response.content])) != ROSTER


def test_the_schools_staff_download_it_and_parents_and_children_of_the_school_do_not(world, client_as):
    document = _document(world)
    for role in ("homeroom_teacher", "other_teacher", "school_admin", "centre_staff"):
        response = _download(client_as(role), document)
        assert response.status_code == 200, role
        assert b"".join(response.streaming_content) == ROSTER
    for role in ("student", "guardian", "other_school_teacher", "other_school_admin", "librarian"):
        assert _download(client_as(role), document).status_code == 404, role


def test_documents_are_linked_through_the_serve_view_never_the_media_folder(world):
    document = _document(world)
    assert document.url.startswith("/documents/")
    assert Client().get(document.file.url).status_code == 404


def test_a_document_linked_from_a_public_page_is_for_everyone(world, django_capture_on_commit_callbacks):
    document = _document(world, title="遠足のしおり")
    with django_capture_on_commit_callbacks(execute=True):
        _page_linking(world, document, "ensoku")
    response = _download(Client(), document)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == ROSTER


def test_a_document_linked_only_from_a_restricted_page_stays_private(world, django_capture_on_commit_callbacks):
    document = _document(world, title="職員会議資料")
    with django_capture_on_commit_callbacks(execute=True):
        page = _page_linking(world, document, "staff-only")
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)
    assert _download(Client(), document).status_code == 302


@pytest.fixture
def photo(world):
    buffer = io.BytesIO()
    PILImage.new("RGB", (80, 60), "teal").save(buffer, "PNG")
    return get_image_model().objects.create(
        title="運動会", collection=world.school.collection, file=ImageFile(buffer, name="undoukai.png")
    )


def test_an_image_reaches_the_public_as_a_rendition_and_its_original_not_at_all(photo):
    rendition = photo.get_rendition("width-40")
    assert Client().get(rendition.url).status_code == 200
    assert photo.file.url.startswith("/media/original_images/")
    assert Client().get(photo.file.url).status_code == 404
    # nor by climbing out of the renditions' folder (Django refuses the path as suspicious, or finds nothing)
    name = photo.file.name.split("/")[-1]
    assert Client().get(f"/media/images/../original_images/{name}").status_code in (400, 404)
    assert Client().get(f"/media/images/%2e%2e/original_images/{name}").status_code in (400, 404)
