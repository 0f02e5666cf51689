"""The checks the browser tests rely on do catch what they claim to catch."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from .harness import axe_violations, format_violations, has_horizontal_scroll

pytestmark = pytest.mark.browser

BROKEN = """<!DOCTYPE html><html lang="en"><head><meta name="viewport" content="width=device-width">
<title>Broken</title></head><body><main>
<h1>Broken on purpose</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<p style="color:#999;background:#aaa">faint text</p>
<div style="width:900px">too wide</div>
</main></body></html>"""


def test_axe_and_the_scroll_check_report_a_broken_page(phone: Page) -> None:
    phone.set_content(BROKEN)
    violations = axe_violations(phone)
    assert {"image-alt", "color-contrast"} <= {v["id"] for v in violations}
    assert "image-alt" in format_violations(violations)
    assert has_horizontal_scroll(phone)
