"""The lab with the keyboard alone and what a screen reader is given (Blockly 13's keyboard navigation, built into
its core): a child on a tablet with a keyboard reaches the blocks by Tab, takes blocks out, puts one on the
program area, moves it into a loop, runs the program from the toolbar and the school records the maze solved."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from coding_lab.models import Course, Project
from school_portal.core.models import Student
from tests.browser.harness import TABLET_LANDSCAPE, Portal, axe_check, student_sign_in

pytestmark = pytest.mark.browser

FOCUSED_LABEL = "() => { const e = document.activeElement; return e.getAttribute('aria-label') || e.textContent || '' }"


def focused_label(page: Page) -> str:
    return page.evaluate(FOCUSED_LABEL).strip()


def press_until_focused(page: Page, key: str, pattern: str, limit: int = 40) -> None:
    """Press ``key`` until the focused element's accessible name matches ``pattern`` (as a user tabs along)."""
    for _ in range(limit):
        page.keyboard.press(key)
        page.wait_for_timeout(100)  # at a person's pace: Blockly renders a moved block on the next frames
        if re.search(pattern, focused_label(page)):
            return
    raise AssertionError(f"{key} never reached {pattern!r}; focus is on {focused_label(page)[:80]!r}")


HEAR = """() => {
  window.heard = [];
  new MutationObserver(() => {
    const text = document.getElementById('blocklyAriaAnnounce').textContent.trim();
    if (text) window.heard.push(text);
  }).observe(document.getElementById('blocklyAriaAnnounce'), {childList: true, subtree: true, characterData: true});
}"""


def announced_after(page: Page, key: str) -> str:
    """Press ``key`` and return what Blockly says in its live region (an empty text when it says nothing new)."""
    before = page.evaluate("window.heard.length")
    page.keyboard.press(key)
    # Blockly announces 10 ms after the key, and nothing when the place is the one it said last. (Polled from
    # here: wait_for_function evaluates a string in the page, which the portal's CSP refuses.)
    for _ in range(30):
        page.wait_for_timeout(50)
        if page.evaluate("window.heard.length") > before:
            page.wait_for_timeout(50)  # the rest of what one key makes it say
            break
    return " / ".join(page.evaluate("window.heard")[before:])


def move_until_announced(page: Page, pattern: str, limit: int = 8) -> str:
    """While a block is being moved: the arrows go through the places it may go (down, then back up) until the
    one said matches ``pattern``."""
    heard = []
    for key in ["ArrowDown"] * limit + ["ArrowUp"] * (2 * limit):
        said = announced_after(page, key)
        if re.search(pattern, said):
            return said
        heard.append(said)
    raise AssertionError(f"no place announced as {pattern!r}; heard {heard}")


def test_a_child_solves_a_maze_with_the_keyboard_alone(portal: Portal, open_page) -> None:
    student = Student.objects.get(sourced_id="demo-sakura-5-5")
    course = Course.objects.get(title__startswith="プログラミングの たび")
    first = course.steps.order_by("sort_order").first().challenge  # a straight corridor: forward 4 times
    tablet = open_page(**TABLET_LANDSCAPE)
    student_sign_in(tablet, portal, student)
    tablet.goto(f"{portal.url}/coding/challenge/{first.pk}/")
    lab = tablet.locator("#coding-lab")
    expect(lab).to_have_attribute("data-ready", "true")
    tablet.evaluate(HEAR)

    # What a screen reader finds: the program area and the blocks to use, named; each block named by its words.
    blocks = tablet.get_by_role("region", name="ブロック")
    expect(blocks.get_by_role("listbox", name="使えるブロック")).to_be_visible()
    expect(blocks.get_by_role("option", name=re.compile("前に進む"))).to_be_visible()
    expect(blocks.get_by_role("region", name="プログラムを作る場所")).to_be_attached()
    expect(blocks.get_by_role("figure", name=re.compile("はじめ"))).to_be_attached()
    expect(tablet.get_by_role("button", name="ゴミ箱（空）")).to_be_attached()

    # Tab from the top of the page reaches the blocks to use (past the toolbar and the keyboard help).
    press_until_focused(tablet, "Tab", "前に進む")

    # Enter takes "move forward" out and it is said where it would go; the arrows choose after "when run".
    said = announced_after(tablet, "Enter")
    assert "前に進む 移動先：" in said, said
    if "はじめ の後" not in said:
        move_until_announced(tablet, "はじめ の後")
    tablet.keyboard.press("Enter")

    # T goes back to the blocks; the arrows choose the loop, then where it goes: after "when run" too.
    tablet.keyboard.press("t")
    press_until_focused(tablet, "ArrowDown", "回繰り返す")
    if "はじめ の後" not in announced_after(tablet, "Enter"):
        move_until_announced(tablet, "はじめ の後")
    tablet.keyboard.press("Enter")

    # W goes to the program, the arrows to "move forward" (now after the loop); M moves it, into the loop.
    tablet.keyboard.press("w")
    press_until_focused(tablet, "ArrowDown", "^前に進む")
    if not re.search("回繰り返す.*の中", announced_after(tablet, "m")):
        move_until_announced(tablet, "回繰り返す.*の中")
    tablet.keyboard.press("Enter")

    program = json.loads(tablet.evaluate("window.codingLab.source()"))
    tops = program["blocks"]["blocks"]
    assert [top["type"] for top in tops] == ["coding_start"]
    loop = tops[0]["next"]["block"]
    assert loop["type"] == "controls_repeat_ext"
    assert loop["inputs"]["DO"]["block"]["type"] == "maze_move_forward"

    # Back to the toolbar with Shift+Tab, Run with Enter: the result is said in the status region, the school keeps it.
    press_until_focused(tablet, "Shift+Tab", "^実行$")
    tablet.keyboard.press("Enter")
    expect(tablet.get_by_role("status").filter(has_text="ゴール")).to_be_visible(timeout=20_000)
    expect(lab).to_have_attribute("data-result", "solved", timeout=15_000)
    project = Project.objects.get(student=student, challenge=first)
    assert project.is_solved and project.result == "solved"
    axe_check(tablet)
