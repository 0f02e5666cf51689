"""The registries through which plug-ins extend the core without the core naming them."""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

from wagtail import blocks

from school_portal.core.blocks import core_blocks
from school_portal.core.fields import ExtensibleStreamField
from school_portal.core.registry import Registry, blocks_for, register_stream_block, stream_blocks


class _CalloutFromPlugin(blocks.CharBlock):
    pass


def test_registered_block_is_offered_but_left_out_of_migrations():
    register_stream_block("from_plugin", _CalloutFromPlugin(), contexts=("registry-test",))
    try:
        field = ExtensibleStreamField(core_blocks(), context="registry-test", blank=True)
        field.set_attributes_from_name("body")
        assert "from_plugin" in field.stream_block.child_blocks
        assert "heading" in field.stream_block.child_blocks
        _, _, args, kwargs = field.deconstruct()
        names = [name for name, _ in args[0]]
        assert "from_plugin" not in names and "heading" in names
        assert kwargs["context"] == "registry-test"
        # A stream value written with the plug-in's block renders while the plug-in is installed.
        value = field.stream_block.to_python([{"type": "from_plugin", "value": "こんにちは"}])
        assert value[0].value == "こんにちは"
    finally:
        stream_blocks.unregister("from_plugin")
    assert ("from_plugin", None) not in blocks_for("registry-test")
    assert all(name != "from_plugin" for name, _ in blocks_for("registry-test"))


def test_block_offered_only_to_the_contexts_it_names():
    register_stream_block("lesson_only", _CalloutFromPlugin(), contexts=("lesson",))
    try:
        assert "lesson_only" in dict(blocks_for("lesson"))
        assert "lesson_only" not in dict(blocks_for("school_home"))
    finally:
        stream_blocks.unregister("lesson_only")


def test_registering_twice_replaces_instead_of_duplicating():
    registry: Registry[str] = Registry("test")
    registry.register("a", "first")
    registry.register("a", "second")
    assert list(registry) == ["second"] and len(registry) == 1


def test_the_seams_a_plugin_author_fills_are_typed_with_the_cores_own_types():
    """An editor shows a plug-in author what each registry hands them: a request, the test world, the demo city."""
    from django.http import HttpRequest
    from django.urls import URLPattern
    from django.utils.functional import Promise
    from wagtail.blocks import Block

    from school_portal.core import registry
    from school_portal.core.seeding import DemoCity
    from school_portal.core.testing.world import World

    names = {
        "HttpRequest": HttpRequest,
        "World": World,
        "DemoCity": DemoCity,
        "Promise": Promise,
        "Label": str | Promise,
        "Block": Block,
        "URLPattern": URLPattern,
    }
    hints = {
        cls: typing.get_type_hints(cls, globalns={**vars(registry), **names})
        for cls in (registry.DashboardPanel, registry.NavLink, registry.PermissionCase, registry.RetentionRule)
    }
    assert hints[registry.DashboardPanel]["context"] == Callable[[HttpRequest], dict[str, Any]]
    assert hints[registry.DashboardPanel]["title"] == str | Promise
    assert hints[registry.PermissionCase]["build"] == Callable[[World], str]
    assert hints[registry.PermissionCase]["data"] == Callable[[World], dict[str, Any]] | None
    assert hints[registry.RetentionRule]["prune"] == Callable[[int], int]
    assert typing.get_type_hints(registry.register_stream_block, globalns={**vars(registry), **names})["block"] is Block
    names["SeedFunction"] = Callable[[DemoCity, typing.IO[str] | None], None]
    seed_hint = typing.get_type_hints(registry.DemoSeeder.resolve, globalns={**vars(registry), **names})["return"]
    assert seed_hint == Callable[[DemoCity, typing.IO[str] | None], None]
    assert all(hint is not Any for cls_hints in hints.values() for hint in cls_hints.values())
