"""Two requests on one child's answer sheet at the same moment, on PostgreSQL's row locks.

Each race runs its two sides in two threads, each with its own database connection. Two ways:

- ``one_waits_for_the_other``: the first side runs and keeps its transaction (and the sheet's row lock) open
  until the second side is seen waiting on that lock, then commits. The order is fixed and the second side
  really ran while the first was in flight, so each order of a race is tested on every run, not by luck.
- ``at_the_same_moment``: both sides start together at a barrier, several rounds; whichever wins, the outcome
  must be one of the consistent ones.

The tests assert what the child or the teacher would notice, never timings.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from classrooms import services
from classrooms.models import Answer, AnswerSheet, LessonPage
from classrooms.testing import Q_CHOICE, Q_NUMBER, Q_SHORT
from school_portal.core.models import User
from school_portal.core.services import PortalError
from school_portal.core.testing.world import World

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the row locks under test are PostgreSQL's; SQLite's in-memory test database refuses a second writer",
    ),
    # Each thread commits on its own connection; the flush at the end takes Wagtail's roots too, and the
    # world (``build_world``) puts them back for the next test (``restore_wagtail_roots``).
    pytest.mark.django_db(transaction=True),
]

WAIT = 30  # seconds: only a safety net, so that a missing lock fails the test instead of hanging it
ROUNDS = 5
SUBMITTED = "This worksheet has been submitted."


@dataclass(frozen=True)
class Refused:
    """A service said no (``PortalError``): the message the person reads."""

    message: str


def _attempt(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except PortalError as error:
        return Refused(str(error))


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _wait_until_someone_waits_on(pid: int) -> None:
    """Poll (from the test's own connection, one snapshot per query) until a backend waits on ``pid``'s locks."""
    deadline = time.monotonic() + WAIT
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [pid])
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the second side never waited for the first one's lock: does the service lock the sheet?")


def one_waits_for_the_other(first: Callable[[], Any], second: Callable[[], Any]) -> tuple[Any, Any]:
    """Run ``first`` in a thread inside a transaction held open until ``second`` (another thread) waits on its
    row lock; then commit ``first`` and let ``second`` finish. Returns both outcomes (a value or ``Refused``)."""
    holding, release = threading.Event(), threading.Event()
    holder: dict[str, int] = {}

    def run_first() -> Any:
        translation.activate("en")  # a new thread: messages are checked in English
        try:
            with transaction.atomic():
                holder["pid"] = _backend_pid()
                outcome = _attempt(first)
                holding.set()
                if not release.wait(WAIT):
                    raise AssertionError("never released")
            return outcome
        finally:
            holding.set()
            connections.close_all()

    def run_second() -> Any:
        translation.activate("en")
        try:
            return _attempt(second)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        first_done = pool.submit(run_first)
        assert holding.wait(WAIT) and "pid" in holder, first_done.result(WAIT)
        second_done = pool.submit(run_second)
        try:
            _wait_until_someone_waits_on(holder["pid"])
            assert not second_done.done(), second_done.result()
        finally:
            release.set()
        return first_done.result(WAIT), second_done.result(WAIT)


def at_the_same_moment(*calls: Callable[[], Any]) -> list[Any]:
    """Start every call in its own thread at once (a barrier, after each thread has connected)."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        translation.activate("en")
        try:
            _backend_pid()  # connect first: the barrier lines up the calls, not the connecting
            barrier.wait(WAIT)
            return _attempt(call)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


# --- the world -------------------------------------------------------------------------------------------


def fresh_sheet(world: World, lesson: LessonPage, answers: dict[str, Any] | None = None) -> AnswerSheet:
    """A new assignment of the lesson to the child's class, due tomorrow, and the child's sheet with ``answers``
    (by default the choice question, answered right)."""
    now = timezone.now()
    assignment = services.assignment_create(
        lesson=lesson,
        class_groups=[world.class_group],
        opens_at=now - datetime.timedelta(hours=1),
        due_at=now + datetime.timedelta(days=1),
        by=world.users["homeroom_teacher"],
    )
    sheet = services.sheet_for(assignment=assignment, student_id=world.child.pk)
    services.answers_save(sheet=sheet, answers=answers or {Q_CHOICE: 1})
    return sheet


def tablet(user: User) -> Client:
    """A signed-in browser, in English."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user, backend="school_portal.core.backends.ThrottledModelBackend")
    return client


def autosave(client: Client, sheet: AnswerSheet, data: dict[str, Any]) -> Callable[[], Any]:
    url = reverse("classrooms:autosave", args=[sheet.assignment_id])
    return lambda: client.post(url, data, content_type="application/json")


def hand_in(client: Client, sheet: AnswerSheet, form: dict[str, str] | None = None) -> Callable[[], Any]:
    url = reverse("classrooms:submit", args=[sheet.assignment_id])
    return lambda: client.post(url, form or {})


def stored(sheet: AnswerSheet) -> AnswerSheet:
    return AnswerSheet.objects.get(pk=sheet.pk)


def answer_values(sheet: AnswerSheet) -> dict[str, Any]:
    return dict(Answer.objects.filter(sheet=sheet).values_list("question_id", "value"))


def assert_score_counts_the_answers(sheet: AnswerSheet) -> None:
    points = sum(Answer.objects.filter(sheet=sheet).values_list("points", flat=True))
    assert (sheet.score, sheet.max_score) == (points, 6), "the score does not match the answers' marks"


# --- 1. a queued autosave and the hand-in -----------------------------------------------------------------


def test_an_autosave_arriving_while_the_hand_in_commits_is_refused_and_the_tablet_is_told(world, cw):
    sheet = fresh_sheet(world, cw.lesson)

    handed_in, saved = one_waits_for_the_other(
        lambda: services.sheet_submit(sheet=sheet),
        autosave(tablet(world.child.user), sheet, {"answers": {Q_NUMBER: "18"}}),
    )

    assert handed_in.status == AnswerSheet.Status.SUBMITTED
    assert saved.status_code == 409 and SUBMITTED in saved.json()["error"]  # the tablet shows it, keeps the value
    sheet = stored(sheet)
    assert sheet.status == AnswerSheet.Status.SUBMITTED and sheet.submitted_at == handed_in.submitted_at
    assert answer_values(sheet) == {Q_CHOICE: 1}  # nothing written behind the hand-in's back
    assert sheet.score == 1
    assert_score_counts_the_answers(sheet)


def test_a_hand_in_arriving_while_an_autosave_commits_counts_the_saved_answers(world, cw):
    sheet = fresh_sheet(world, cw.lesson)

    saved, handed_in = one_waits_for_the_other(
        lambda: services.answers_save(sheet=sheet, answers={Q_NUMBER: "18", Q_SHORT: "かけざん"}),
        hand_in(tablet(world.child.user), sheet),
    )

    assert {s.question_id for s in saved.saved} == {Q_NUMBER, Q_SHORT} and not any(s.is_late for s in saved.saved)
    assert not saved.rejected
    assert handed_in.status_code == 302 and handed_in.url == reverse("classrooms:sheet", args=[sheet.pk])
    sheet = stored(sheet)
    assert sheet.status == AnswerSheet.Status.SUBMITTED and not sheet.is_late
    assert answer_values(sheet) == {Q_CHOICE: 1, Q_NUMBER: "18", Q_SHORT: "かけざん"}
    assert sheet.score == 3  # the autosaved answers are marked in the hand-in
    assert_score_counts_the_answers(sheet)


def test_autosave_and_hand_in_at_the_same_moment_lose_nothing_the_child_is_not_told(world, cw):
    child = tablet(world.child.user)
    for _round in range(ROUNDS):
        sheet = fresh_sheet(world, cw.lesson)

        saved, handed_in = at_the_same_moment(
            autosave(child, sheet, {"answers": {Q_NUMBER: "18"}}), hand_in(child, sheet)
        )

        assert handed_in.status_code == 302
        sheet = stored(sheet)
        assert sheet.status == AnswerSheet.Status.SUBMITTED
        if saved.status_code == 200:  # the autosave came first: kept and counted
            assert answer_values(sheet) == {Q_CHOICE: 1, Q_NUMBER: "18"} and sheet.score == 2
        else:  # the hand-in came first: the tablet is told, nothing half-written
            assert saved.status_code == 409 and SUBMITTED in saved.json()["error"]
            assert answer_values(sheet) == {Q_CHOICE: 1} and sheet.score == 1
        assert_score_counts_the_answers(sheet)


# --- 2. the same question saved from two tablets ------------------------------------------------------------


def _two_tablets() -> tuple[dict, dict, datetime.datetime]:
    """The old tablet's queued answer (written two minutes ago, still offline) and the new tablet's (written
    half a minute ago), as each tablet sends it; and when the newer one was written."""
    now = timezone.now()
    older, newer = now - datetime.timedelta(minutes=2), now - datetime.timedelta(seconds=30)
    old = {"answers": {Q_SHORT: "かけさん"}, "saved_at": {Q_SHORT: int(older.timestamp() * 1000)}}
    new = {"answers": {Q_SHORT: "かけざん"}, "saved_at": {Q_SHORT: int(newer.timestamp() * 1000)}}
    return old, new, newer


def _assert_the_newer_answer_is_kept(sheet: AnswerSheet, written_at: datetime.datetime) -> None:
    answer = Answer.objects.get(sheet=sheet, question_id=Q_SHORT)
    assert answer.value == "かけざん" and answer.is_correct and answer.points == 1
    assert abs(answer.saved_on_device_at - written_at) < datetime.timedelta(milliseconds=1)


@pytest.mark.parametrize("newer_arrives", ["first", "second"])
def test_the_answer_written_last_on_either_tablet_is_kept_whichever_arrives_last(world, cw, newer_arrives):
    sheet = fresh_sheet(world, cw.lesson)
    old, new, newer = _two_tablets()
    in_flight, arriving = (new, old) if newer_arrives == "first" else (old, new)

    first, second = one_waits_for_the_other(
        lambda: services.answers_save(sheet=sheet, answers=in_flight["answers"], saved_at=in_flight["saved_at"]),
        autosave(tablet(world.child.user), sheet, arriving),
    )

    assert not isinstance(first, Refused) and second.status_code == 200  # both tablets stop resending
    _assert_the_newer_answer_is_kept(sheet, newer)


def test_two_tablets_saving_the_same_answer_at_the_same_moment_keep_the_one_written_last(world, cw):
    old_tablet, new_tablet = tablet(world.child.user), tablet(world.child.user)
    for _round in range(ROUNDS):
        sheet = fresh_sheet(world, cw.lesson)
        old, new, newer = _two_tablets()

        replies = at_the_same_moment(autosave(old_tablet, sheet, old), autosave(new_tablet, sheet, new))

        assert [r.status_code for r in replies] == [200, 200]
        _assert_the_newer_answer_is_kept(sheet, newer)


# --- 3. the teacher and the child, two teachers -------------------------------------------------------------


def _returned_then_revised(world: World, lesson: LessonPage) -> AnswerSheet:
    """Handed in with 3x6 wrong, returned for revision, and corrected by the child (not yet handed in again)."""
    sheet = fresh_sheet(world, lesson, {Q_CHOICE: 1, Q_NUMBER: "17"})
    services.sheet_submit(sheet=sheet)
    services.sheet_feedback(
        sheet=sheet, by=world.users["homeroom_teacher"], feedback="3×6を 見直そう", return_for_revision=True
    )
    services.answers_save(sheet=sheet, answers={Q_NUMBER: "18"})
    return stored(sheet)


def test_the_teacher_checking_the_work_as_the_child_hands_in_the_revision_waits_for_it(world, cw):
    before = _returned_then_revised(world, cw.lesson)
    teacher = world.users["homeroom_teacher"]

    handed_in, checked = one_waits_for_the_other(
        lambda: services.sheet_submit(sheet=before),
        lambda: services.sheet_feedback(sheet=before, by=teacher, feedback="よく 直せたね", stamp="great"),
    )

    sheet = stored(before)
    assert handed_in.status == AnswerSheet.Status.SUBMITTED and handed_in.submitted_at > before.submitted_at
    assert sheet.status == AnswerSheet.Status.REVIEWED and sheet.submitted_at == handed_in.submitted_at
    assert (sheet.feedback, sheet.stamp, sheet.feedback_by) == ("よく 直せたね", "great", teacher)
    assert sheet.score == checked.score == 2  # the revision is counted in the teacher's marks
    assert_score_counts_the_answers(sheet)


def test_the_childs_hand_in_arriving_as_the_teacher_checks_the_work_changes_nothing(world, cw):
    before = _returned_then_revised(world, cw.lesson)
    teacher = world.users["homeroom_teacher"]

    checked, handed_in = one_waits_for_the_other(
        lambda: services.sheet_feedback(sheet=before, by=teacher, feedback="よく 直せたね", stamp="great"),
        lambda: services.sheet_submit(sheet=before),
    )

    sheet = stored(before)
    assert handed_in.status == AnswerSheet.Status.REVIEWED  # the child's page goes to the checked sheet
    assert sheet.status == AnswerSheet.Status.REVIEWED and sheet.submitted_at == before.submitted_at
    assert (sheet.feedback, sheet.stamp, sheet.feedback_by, sheet.updated_at) == (
        "よく 直せたね",
        "great",
        teacher,
        checked.updated_at,
    )
    assert sheet.score == 2
    assert_score_counts_the_answers(sheet)


def _reviews(world: World, sheet: AnswerSheet) -> dict[str, Callable[[], Any]]:
    """Two teachers of the child's school, each with their own marks for 3x6 (answered 17), comment and outcome."""
    homeroom, admin = world.users["homeroom_teacher"], world.users["school_admin"]
    return {
        "homeroom_teacher": lambda: services.sheet_feedback(
            sheet=sheet, by=homeroom, feedback="考え方は 合っているよ", stamp="good", points={Q_NUMBER: 1}
        ),
        "school_admin": lambda: services.sheet_feedback(
            sheet=sheet,
            by=admin,
            feedback="3×6を もう一度",
            stamp="try",
            points={Q_NUMBER: 0},
            return_for_revision=True,
        ),
    }


EXPECTED_REVIEW = {  # everything the child sees of one teacher's review, none of the other's
    "homeroom_teacher": ("考え方は 合っているよ", "good", AnswerSheet.Status.REVIEWED, 1, 2),
    "school_admin": ("3×6を もう一度", "try", AnswerSheet.Status.RETURNED, 0, 1),
}


def _review_seen(world: World, sheet: AnswerSheet) -> tuple[str, tuple]:
    """Whose review the child sees, and what of it."""
    sheet = stored(sheet)
    assert_score_counts_the_answers(sheet)
    marks = Answer.objects.get(sheet=sheet, question_id=Q_NUMBER).points
    by = next(role for role, user in world.users.items() if user is not None and user.pk == sheet.feedback_by_id)
    return by, (
        sheet.feedback,
        sheet.stamp,
        sheet.status,
        marks,
        sheet.score,
    )


@pytest.mark.parametrize("last", ["homeroom_teacher", "school_admin"])
def test_two_teachers_reviewing_at_once_leave_the_last_ones_review_whole(world, cw, last):
    sheet = fresh_sheet(world, cw.lesson, {Q_CHOICE: 1, Q_NUMBER: "17"})
    services.sheet_submit(sheet=sheet)
    reviews = _reviews(world, sheet)
    first = next(name for name in reviews if name != last)

    one_waits_for_the_other(reviews[first], reviews[last])

    assert _review_seen(world, sheet) == (last, EXPECTED_REVIEW[last])


def test_two_teachers_reviewing_at_the_same_moment_never_mix_their_reviews(world, cw):
    for _round in range(ROUNDS):
        sheet = fresh_sheet(world, cw.lesson, {Q_CHOICE: 1, Q_NUMBER: "17"})
        services.sheet_submit(sheet=sheet)

        outcomes = at_the_same_moment(*_reviews(world, sheet).values())

        assert not any(isinstance(outcome, Refused) for outcome in outcomes), outcomes
        winner, seen = _review_seen(world, sheet)
        assert seen == EXPECTED_REVIEW[winner]


# --- 4. two hand-ins of the same sheet -------------------------------------------------------------------


def test_a_second_hand_in_waiting_for_the_first_hands_in_once(world, cw):
    sheet = fresh_sheet(world, cw.lesson, {Q_CHOICE: 1, Q_NUMBER: "18"})

    first, second = one_waits_for_the_other(
        lambda: services.sheet_submit(sheet=sheet), lambda: services.sheet_submit(sheet=sheet)
    )

    stored_sheet = stored(sheet)
    assert first.status == second.status == stored_sheet.status == AnswerSheet.Status.SUBMITTED
    assert first.submitted_at == second.submitted_at == stored_sheet.submitted_at
    assert stored_sheet.updated_at == first.updated_at  # the second wrote nothing
    assert stored_sheet.score == 2  # counted once
    assert_score_counts_the_answers(stored_sheet)


def test_two_hand_ins_at_the_same_moment_hand_in_once(world, cw):
    for _round in range(ROUNDS):
        sheet = fresh_sheet(world, cw.lesson, {Q_CHOICE: 1, Q_NUMBER: "18"})

        def submit(sheet: AnswerSheet = sheet) -> AnswerSheet:
            return services.sheet_submit(sheet=sheet)

        outcomes = at_the_same_moment(submit, submit)

        stored_sheet = stored(sheet)
        assert {o.submitted_at for o in outcomes} == {stored_sheet.submitted_at}
        assert stored_sheet.status == AnswerSheet.Status.SUBMITTED and stored_sheet.score == 2
        assert_score_counts_the_answers(stored_sheet)


def test_a_hand_in_with_the_forms_answers_arriving_as_another_tablet_hands_in_shows_the_sheet(world, cw):
    sheet = fresh_sheet(world, cw.lesson, {Q_CHOICE: 1, Q_NUMBER: "18"})

    first, second = one_waits_for_the_other(
        lambda: services.sheet_submit(sheet=sheet),
        hand_in(tablet(world.child.user), sheet, {f"q-{Q_NUMBER}": "18"}),
    )

    assert not isinstance(second, Refused), f"a server error: {second.message}"
    assert second.status_code == 302 and second.url == reverse("classrooms:sheet", args=[sheet.pk])
    stored_sheet = stored(sheet)
    assert stored_sheet.submitted_at == first.submitted_at and stored_sheet.score == 2
