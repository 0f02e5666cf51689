"""The architecture contract, read off the source: no plug-in imports another, and the core names no plug-in.

Imports are read with ``ast`` (so ``import x``, ``from x import y`` and relative imports all count, wherever
they stand, inside functions included); dotted module paths and URL names in string constants
(``include("exchange.urls")``, ``reverse("exchange:index")``, ``apps.get_model("exchange.Session")``) and
``{% url 'exchange:...' %}`` in the core's templates count too. Migrations and settings are left out: the
settings list the plug-ins on purpose.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
# The plug-ins, as the settings list them (one list, in school_portal/settings/base.py).
PLUGINS = list(settings.PORTAL_PLUGINS)
CORE = "school_portal"


def _sources(package: str) -> list[Path]:
    return [
        path
        for path in sorted((ROOT / package.replace(".", "/")).rglob("*.py"))
        if "migrations" not in path.parts and "settings" not in path.parts and "__pycache__" not in path.parts
    ]


def _module_of(path: Path) -> list[str]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _references(path: Path) -> set[str]:
    """The top-level packages ``path`` imports, and those named by dotted paths or URL names in its strings."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_of(path) if path.name == "__init__.py" else _module_of(path)[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                found.add((base or [""])[0])
            else:
                found.add((node.module or "").split(".")[0])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = re.fullmatch(r"([a-z_]+)[.:][A-Za-z_][\w.:-]*", node.value)
            if match:
                found.add(match.group(1))
    return found


def _template_references(package: str) -> set[str]:
    found: set[str] = set()
    for path in (ROOT / package.replace(".", "/")).rglob("*.html"):
        found.update(re.findall(r"{%\s*url\s+['\"]([a-z_]+):", path.read_text(encoding="utf-8")))
    return found


def _violations(package: str, forbidden: set[str]) -> list[str]:
    problems = [
        f"{path.relative_to(ROOT)} names {name}"
        for path in _sources(package)
        for name in sorted(_references(path) & forbidden)
    ]
    problems += [
        f"a template of {package} links to {name}" for name in sorted(_template_references(package) & forbidden)
    ]
    return problems


@pytest.mark.parametrize("plugin", PLUGINS)
def test_a_plugin_depends_on_no_other_plugin(plugin):
    assert _sources(plugin), f"{plugin} has no source: is the list of plug-ins right?"
    assert _violations(plugin, set(PLUGINS) - {plugin}) == []


def test_the_core_names_no_plugin():
    assert _violations(CORE, set(PLUGINS)) == []


def test_the_scan_sees_what_it_looks_for(tmp_path, monkeypatch):
    """The scan itself: a cross import, a relative import, a URL name and a dotted path are all caught."""
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    package = tmp_path / "classrooms"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "views.py").write_text(
        "from .. import models\n"
        "def f():\n"
        "    from exchange.models import Session\n"
        "    return reverse('coding_lab:index'), include('library_wifi.urls'), 'plain words: not a module'\n"
    )
    names = _references(package / "sub" / "views.py")
    assert {"classrooms", "exchange", "coding_lab", "library_wifi"} <= names
    assert len(_violations("classrooms", set(PLUGINS) - {"classrooms"})) == 3
