"""The lab's main journeys in Debian's Chromium with axe on every page: a child on a tablet solves a maze and
keeps coding through a network cut; the teacher follows the class on a desktop and shows one solution."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from coding_lab.models import Challenge, Course, Project
from coding_lab.testing import dumps, move, program, tturn
from school_portal.core.models import Student
from tests.browser.harness import (
    DESKTOP,
    TABLET_LANDSCAPE,
    Portal,
    ReloadDuringSave,
    axe_check,
    has_horizontal_scroll,
    sign_in,
    student_sign_in,
)

pytestmark = pytest.mark.browser


def _maze_solution(challenge: Challenge) -> str:
    return challenge.solution


def test_a_child_solves_a_maze_on_a_tablet_and_codes_through_a_network_cut(portal: Portal, open_page) -> None:
    student = Student.objects.get(sourced_id="demo-sakura-5-5")
    course = Course.objects.get(title__startswith="プログラミングの たび")
    first = course.steps.order_by("sort_order").first().challenge
    tablet = open_page(**TABLET_LANDSCAPE)
    student_sign_in(tablet, portal, student)

    tablet.goto(f"{portal.url}/coding/")
    axe_check(tablet)
    tablet.get_by_role("link", name=course.title).click()
    expect(tablet.get_by_role("heading", level=1)).to_have_text(course.title)
    axe_check(tablet)
    tablet.get_by_role("link", name=first.title).click()
    lab = tablet.locator("#coding-lab")
    expect(lab).to_have_attribute("data-ready", "true")
    expect(tablet.locator(".blocklyMainBackground")).to_be_visible()
    assert not has_horizontal_scroll(tablet)
    axe_check(tablet, within="main")

    # The child's program (placed as the blocks would be), then Run: the page shows the result, the server keeps it.
    tablet.evaluate("source => window.codingLab.load(source)", first.solution)
    tablet.get_by_role("button", name=re.compile("^(Run|じっこう|実行)$")).click()
    expect(tablet.locator("#coding-status")).to_contain_text(re.compile("ゴール|goal"), timeout=20_000)
    expect(lab).to_have_attribute("data-result", "solved", timeout=15_000)
    project = Project.objects.get(student=student, challenge=first)
    assert project.is_solved

    # The text view shows the same program as JavaScript and Python.
    tablet.get_by_role("button", name=re.compile("テキスト|text", re.I)).click()
    expect(tablet.locator("#coding-js")).to_contain_text("moveForward")
    expect(tablet.locator("#coding-py")).to_contain_text("move_forward()")

    # The network goes: the next change waits on the tablet, then reaches the school when it is back.
    tablet.context.set_offline(True)
    changed = dumps(program([]))
    tablet.evaluate("source => { window.codingLab.load(source); }", changed)
    expect(tablet.locator("#coding-save")).to_contain_text(re.compile("接続|connect|タブレット"), timeout=20_000)
    tablet.context.set_offline(False)
    tablet.evaluate("window.dispatchEvent(new Event('online'))")
    expect(lab).to_have_attribute("data-result", "failed", timeout=20_000)
    project.refresh_from_db()
    assert project.revision >= 2 and project.is_solved  # solved once stays solved
    axe_check(tablet, within="main")

    # The sandbox: free drawing, no goal.
    tablet.goto(f"{portal.url}/coding/sandbox/")
    expect(tablet.locator("#coding-lab")).to_have_attribute("data-ready", "true")
    tablet.evaluate("source => window.codingLab.load(source)", dumps(program([move(50), tturn(90), move(50)])))
    tablet.get_by_role("button", name=re.compile("^(Run|じっこう|実行)$")).click()
    expect(tablet.locator("#coding-lab")).to_have_attribute("data-result", "solved", timeout=20_000)
    axe_check(tablet, within="main")


def test_a_teacher_follows_the_class_and_shows_one_solution(portal: Portal, open_page) -> None:
    course = Course.objects.get(title__startswith="プログラミングの たび")
    page = open_page(**DESKTOP)
    sign_in(page, portal, "teacher-sakura-5")
    page.goto(f"{portal.url}/coding/")
    axe_check(page)
    page.get_by_role("link", name=course.title).last.click()
    expect(page.locator("table.coding-grid")).to_be_visible()
    solved = page.locator("td.cell--solved")
    assert solved.count() >= 4
    axe_check(page)
    solved.first.get_by_role("link").click()
    expect(page.locator("#coding-lab")).to_have_attribute("data-ready", "true")
    axe_check(page, within="main")
    page.go_back()
    page.locator("td.cell--solved").first.get_by_role("button").click()
    expect(page.locator(".message").first).to_be_visible()
    axe_check(page)


def test_the_lab_reloaded_while_its_last_save_is_on_the_way_shows_that_program(portal: Portal, open_page) -> None:
    """The race a child meets by reloading just after changing the blocks: the server draws the new page before
    the save commits, and the old page sees the save confirmed just before it goes (``ReloadDuringSave``). The
    old script showed the older program, and its own save then put that over the child's."""
    student = Student.objects.get(sourced_id="demo-sakura-5-5")
    course = Course.objects.get(title__startswith="プログラミングの たび")
    first = course.steps.order_by("sort_order").first().challenge
    tablet = open_page(**TABLET_LANDSCAPE)
    student_sign_in(tablet, portal, student)
    lab_path = f"/coding/challenge/{first.pk}/"
    tablet.goto(portal.url + lab_path)
    lab = tablet.locator("#coding-lab")
    expect(lab).to_have_attribute("data-ready", "true")
    project = Project.objects.get(student=student, challenge=first)
    race = ReloadDuringSave(tablet, save_path=f"/project/{project.pk}/save/", page_path=lab_path)
    key = f"coding-lab:project:{project.pk}"
    blocks = "window.codingLab.workspace.getAllBlocks(false).length"
    starting = tablet.evaluate(blocks)

    tablet.evaluate("source => window.codingLab.load(source)", first.solution)
    written = tablet.evaluate(blocks)
    assert written > starting
    saving = race.first_save()
    assert json.loads(saving.request.post_data or "{}")["source"].count('"type"') == written
    race.reload_drawn_before_save()
    race.let_save_through("key => !!(JSON.parse(localStorage.getItem(key) || 'null') || {}).confirmed", key)
    project.refresh_from_db()
    assert project.revision >= 1 and project.is_solved

    # The new page, drawn before the save: the child's blocks are there all the same, and nothing is sent back
    # (the old script sent the page's own program 2 s after it opened, over the child's).
    race.new_page_arrives()
    expect(lab).to_have_attribute("data-ready", "true")
    assert tablet.evaluate(blocks) == written
    tablet.wait_for_timeout(3000)
    assert len(race.sent) == 1
    project.refresh_from_db()
    assert project.source.count('"type"') == written
    tablet.reload()
    expect(lab).to_have_attribute("data-ready", "true")
    assert tablet.evaluate(blocks) == written


def test_programs_saved_long_ago_are_dropped_from_a_shared_tablet_and_unsent_ones_kept(
    portal: Portal,
    open_page,
) -> None:
    student = Student.objects.get(sourced_id="demo-sakura-5-5")
    course = Course.objects.get(title__startswith="プログラミングの たび")
    first = course.steps.order_by("sort_order").first().challenge
    tablet = open_page(**TABLET_LANDSCAPE)
    tablet.goto(f"{portal.url}/static/core/favicon.svg")
    now = tablet.evaluate("Date.now()")
    # Other projects' programs on this tablet: one the school saved two minutes ago, one saved just now (a reload
    # may still need it), one never sent (the lab was left offline).
    kept = {
        "coding-lab:project:9001": {"source": "{}", "at": now - 130_000, "confirmed": now - 120_000, "revision": 3},
        "coding-lab:project:9002": {"source": "{}", "at": now - 2_000, "confirmed": now - 1_000, "revision": 4},
        "coding-lab:project:9003": {"source": "{}", "at": now - 300_000},
    }
    tablet.evaluate(
        "items => Object.entries(items).forEach(([k, v]) => localStorage.setItem(k, JSON.stringify(v)))", kept
    )

    student_sign_in(tablet, portal, student)
    tablet.goto(f"{portal.url}/coding/challenge/{first.pk}/")
    expect(tablet.locator("#coding-lab")).to_have_attribute("data-ready", "true")
    left = tablet.evaluate("Object.keys(localStorage).filter(k => k.startsWith('coding-lab:project:900')).sort()")
    assert left == ["coding-lab:project:9002", "coding-lab:project:9003"]
