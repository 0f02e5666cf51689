"""The rows of the permission matrix, collected from the apps that are installed (test code only).

Each app, the core and every plug-in of ``settings.PORTAL_PLUGINS``, may have a ``permission_cases.py`` with
``def cases() -> list[PermissionCase]``: its endpoints, and which roles of the shared world (``ROLES``) may
reach each. Nothing imports those modules at start-up: they build test objects (``classrooms.testing``). The
matrix test, the plug-in removal test and the proof of exact rules collect them here. An app without the module
has no rows; a removed plug-in is not in ``PORTAL_PLUGINS``, so its rows are gone with it.

A module may also offer ``def exact_rule_objects(world) -> None``: objects the generic proof of its ``exact``
rules needs beyond those its cases build (an assignment not yet open, one given to named children, ...).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from django.apps import apps
from django.conf import settings

from ..registry import PermissionCase

CORE = "school_portal.core"

# Groups of the shared world's roles (``ROLES``), for the ``allowed`` sets of the rows.
STUDENTS = frozenset({"student", "classmate"})
GUARDIANS = frozenset({"guardian", "other_guardian"})
TEACHERS = frozenset(
    {"homeroom_teacher", "other_teacher", "other_school_teacher", "school_admin", "other_school_admin"}
)


def app_label(app: str) -> str:
    """The label of an installed app named ``app`` (``tests.example_plugin`` is ``class_bell``): what its URL
    namespace, its actions and its matrix rows are named after."""
    return apps.get_containing_app_config(app).label


def apps_with_cases() -> list[str]:
    """The core and the installed plug-ins, in the order of the settings."""
    return [CORE, *settings.PORTAL_PLUGINS]


def case_module(app: str) -> ModuleType | None:
    """``<app>.permission_cases``, or None when the app has none (an error inside the module is not hidden)."""
    name = f"{app}.permission_cases"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise
        return None


def cases_by_app() -> dict[str, list[PermissionCase]]:
    found = {}
    for app in apps_with_cases():
        module = case_module(app)
        found[app] = list(module.cases()) if module is not None else []
    return found


def permission_cases() -> list[PermissionCase]:
    """Every row, sorted by name; two rows with one name are a mistake and raise."""
    rows = [case for cases in cases_by_app().values() for case in cases]
    names = [case.name for case in rows]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"permission cases named twice: {duplicates}")
    return sorted(rows, key=lambda case: case.name)
