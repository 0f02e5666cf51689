"""A StreamField that plug-ins can extend through the block registry without touching the core."""

from __future__ import annotations

from typing import Any

from django.utils.functional import cached_property
from wagtail.blocks import StreamBlock
from wagtail.fields import StreamField

from .registry import blocks_for


class ExtensibleStreamField(StreamField):
    """A StreamField whose block list is the core's own blocks plus those plug-ins registered for ``context``.

    The plug-in blocks are resolved lazily (after every ``AppConfig.ready()``) and are left out of
    ``deconstruct()``: migrations of the core never name a plug-in, and installing or removing a plug-in
    needs no migration. Stored values of a removed plug-in's blocks are kept in the database untouched
    and simply not rendered.
    """

    def __init__(self, block_types: Any, *args: Any, context: str = "page", **kwargs: Any) -> None:
        self.plugin_context = context
        super().__init__(block_types, *args, **kwargs)

    @cached_property
    def core_stream_block(self) -> StreamBlock:
        return StreamField.stream_block.func(self)

    @cached_property
    def stream_block(self) -> StreamBlock:
        core = self.core_stream_block
        children = list(core.child_blocks.items())
        for name, block in blocks_for(self.plugin_context):
            if name not in core.child_blocks:
                children.append((name, block))
        block = StreamBlock(children)
        block.set_meta_options(self.block_opts)
        return block

    def deconstruct(self) -> tuple[str, str, list, dict]:
        # Describe only the core's blocks, so the migration does not change with the set of plug-ins.
        stream_block = self.__dict__.get("stream_block")
        self.__dict__["stream_block"] = self.core_stream_block
        try:
            name, path, args, kwargs = super().deconstruct()
        finally:
            if stream_block is None:
                self.__dict__.pop("stream_block", None)
            else:
                self.__dict__["stream_block"] = stream_block
        kwargs["context"] = self.plugin_context
        return name, path, args, kwargs
