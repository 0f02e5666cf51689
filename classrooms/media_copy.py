"""Copy the images and documents a lesson uses into a school's own collection (for library copies)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.base import ContentFile
from wagtail import blocks
from wagtail.documents import get_document_model
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images import get_image_model
from wagtail.images.blocks import ImageChooserBlock
from wagtail.models import Collection


def _walk(block: blocks.Block, value: Any, replace: Callable[[Any], Any]) -> Any:
    """``value`` with every chosen image or document passed through ``replace`` (in place where possible)."""
    if value is None:
        return None
    if isinstance(block, ImageChooserBlock | DocumentChooserBlock):
        return replace(value)
    if isinstance(block, blocks.StructBlock):
        for name, child in block.child_blocks.items():
            if name in value:
                value[name] = _walk(child, value[name], replace)
        return value
    if isinstance(block, blocks.ListBlock):
        for i, item in enumerate(value):
            value[i] = _walk(block.child_block, item, replace)
        return value
    if isinstance(block, blocks.StreamBlock):
        for child in value:
            child.value = _walk(child.block, child.value, replace)
        return value
    return value


def _duplicate(obj: Any, collection: Collection) -> Any:
    """A new image or document in ``collection`` with its own copy of the file (deleting one never hurts the other)."""
    obj.file.open("rb")
    try:
        content = ContentFile(obj.file.read(), name=obj.file.name.rsplit("/", 1)[-1])
    finally:
        obj.file.close()
    fields = {"title": obj.title, "collection": collection, "file": content}
    if obj.__class__ is get_image_model():
        fields.update(
            focal_point_x=obj.focal_point_x,
            focal_point_y=obj.focal_point_y,
            focal_point_width=obj.focal_point_width,
            focal_point_height=obj.focal_point_height,
        )
    return obj.__class__.objects.create(**fields)


def copy_media_into(page: Any, field_name: str, collection: Collection | None) -> int:
    """Give ``page`` its own copies of the media its StreamField uses; returns how many were copied."""
    if collection is None:
        return 0
    copies: dict[tuple[type, int], Any] = {}

    def replace(obj: Any) -> Any:
        if not isinstance(obj, get_image_model() | get_document_model()) or obj.collection_id == collection.pk:
            return obj
        key = (obj.__class__, obj.pk)
        if key not in copies:
            copies[key] = _duplicate(obj, collection)
        return copies[key]

    stream = getattr(page, field_name)
    _walk(stream.stream_block, stream, replace)
    if copies:
        setattr(page, field_name, stream)
        page.save(update_fields=[field_name])
    return len(copies)
