"""A family's notices: who sees which, the inbox's order, read receipts, replies until the deadline."""

from __future__ import annotations

import datetime
import time

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.documents.models import Document

from parent_notices import selectors
from parent_notices.models import Audience, Category, Notice, NoticeRead, NoticeReply
from parent_notices.testing import ATTEND, FILE, SURVEY, attachment, attendance, notice_publish, survey, text
from school_portal.core import services as core_services
from school_portal.core.models import Enrollment, GuardianLink, Student

pytestmark = pytest.mark.django_db


def _inbox_titles(client) -> str:
    return client.get(reverse("parent_notices:index")).content.decode()


def _add_third_child(world) -> Student:
    """A third child of the Yamadas, in 3年2組 (the other class of their school)."""
    third = Student.objects.create(
        user=core_services.User.objects.create_user(username="s-third"),
        school=world.school,
        sourced_id="third",
        family_name="山田",
        given_name="三郎",
    )
    Enrollment.objects.create(student=third, class_group=world.other_class)
    GuardianLink.objects.create(guardian=world.users["guardian"].guardian, student=third)
    return third


def _inbox_list(page: str) -> str:
    start = page.index('<ul class="inbox">')
    return page[start : page.index("</ul>", start)]


def test_a_family_sees_notices_for_any_of_its_children_across_schools_and_nobody_elses(world, client_as) -> None:
    world.school.ward = "北区"
    world.school.save()
    notice_publish(school=world.school, title="さくら小の全体のお知らせ", audience=Audience.SCHOOL)
    notice_publish(school=world.other_school, title="うめ中のお知らせ", audience=Audience.SCHOOL)
    notice_publish(school=world.school, title="3年のお知らせ", audience=Audience.GRADE, grade=3)
    notice_publish(school=world.school, title="4年のお知らせ", audience=Audience.GRADE, grade=4)
    notice_publish(
        school=world.school, title="3年2組のお知らせ", audience=Audience.CLASS, class_groups=[world.other_class]
    )
    notice_publish(school=None, city=world.city, title="北区のお知らせ", audience=Audience.WARD, ward="北区")
    notice_publish(school=None, city=world.city, title="南区のお知らせ", audience=Audience.WARD, ward="南区")
    notice_publish(school=None, city=world.city, title="市のお知らせ", audience=Audience.CITY)
    notice_publish(school=world.school, title="下書きのお知らせ", publish=False)
    notice_publish(school=world.school, title="花子さんへ", audience=Audience.CHILDREN, children=[world.child])

    page = _inbox_titles(client_as("guardian"))  # a child in さくら小 3-1, a sibling in うめ中
    seen = ["さくら小の全体", "うめ中のお知らせ", "3年のお知らせ", "北区のお知らせ", "市のお知らせ", "花子さんへ"]
    for title in seen:
        assert title in page
    for title in ["4年のお知らせ", "3年2組", "南区のお知らせ", "下書き"]:
        assert title not in page

    other = _inbox_titles(client_as("other_guardian"))  # the classmate's family: さくら小 3-1 only
    assert "さくら小の全体" in other and "北区のお知らせ" in other
    assert "うめ中のお知らせ" not in other and "花子さんへ" not in other


def test_a_notice_past_its_expiry_leaves_the_inbox(world, client_as) -> None:
    notice = notice_publish(school=world.school, title="期限切れのお知らせ")
    Notice.objects.filter(pk=notice.pk).update(expire_at=timezone.now() - datetime.timedelta(minutes=1))
    client = client_as("guardian")
    assert "期限切れ" not in _inbox_titles(client)
    assert client.get(reverse("parent_notices:notice", args=[notice.pk])).status_code == 404


def test_emergencies_come_first_then_unread_then_newest_and_opening_one_records_the_read_once(world, client_as) -> None:
    old = notice_publish(school=world.school, title="古いお知らせ")
    emergency = notice_publish(school=world.school, title="警報のため休校", category=Category.EMERGENCY)
    new = notice_publish(school=world.school, title="新しいお知らせ")
    Notice.objects.filter(pk=emergency.pk).update(last_published_at=timezone.now() - datetime.timedelta(days=3))
    client = client_as("guardian")
    client.get(reverse("parent_notices:notice", args=[new.pk]))
    client.get(reverse("parent_notices:notice", args=[new.pk]))
    assert NoticeRead.objects.filter(notice=new).count() == 1
    page = _inbox_titles(client)
    assert page.index("警報のため休校") < page.index("古いお知らせ") < page.index("新しいお知らせ")
    assert old.pk != new.pk


def test_the_inbox_takes_the_same_number_of_queries_for_more_notices_children_and_schools(world) -> None:
    user = world.users["guardian"]

    def count() -> int:
        from school_portal.core.access import policy

        for holder in (user,):
            holder.__dict__.pop("_portal_actor", None)
        policy.actor(user)  # the facts query, once per request
        with CaptureQueriesContext(connection) as queries:
            selectors.inbox(user, language="en")
        return len(queries)

    notice_publish(school=world.school, title="一つ目")
    before = count()
    for i in range(5):
        notice_publish(school=world.other_school, title=f"うめ中 {i}")
        notice_publish(
            school=world.school, title=f"さくら {i}", audience=Audience.CLASS, class_groups=[world.class_group]
        )
    _add_third_child(world)
    assert count() == before


def test_a_guardian_answers_for_each_child_and_changes_it_until_the_deadline(world, client_as) -> None:
    notice = notice_publish(
        school=world.school,
        body=[text("運動会"), attendance()],
        reply_deadline=timezone.now() + datetime.timedelta(days=2),
    )
    client = client_as("guardian")
    page = client.get(reverse("parent_notices:notice", args=[notice.pk])).content.decode()
    assert "<ruby>運動会<rp>(</rp><rt>うんどうかい</rt>" in page
    url = reverse("parent_notices:reply", args=[notice.pk, ATTEND])
    client.post(url, {"student": world.child.pk, "choice": "yes", "comment": "<script>alert(1)</script>"})
    client.post(url, {"student": world.child.pk, "choice": "no", "comment": "熱が出たので"})
    reply = NoticeReply.objects.get(notice=notice, student=world.child)
    assert (reply.choice, reply.comment) == ("no", "熱が出たので")

    Notice.objects.filter(pk=notice.pk).update(reply_deadline=timezone.now() - datetime.timedelta(minutes=1))
    response = client.post(url, {"student": world.child.pk, "choice": "yes"}, follow=True)
    closed = _("Replies closed on %(deadline)s; ask the school directly.") % {
        "deadline": timezone.localtime(Notice.objects.get(pk=notice.pk).reply_deadline).strftime("%Y-%m-%d %H:%M")
    }
    assert closed in response.content.decode()
    assert NoticeReply.objects.get(pk=reply.pk).choice == "no"  # nothing already saved lost


def test_bad_replies_are_refused_with_a_reason_and_the_saved_answer_stays(world, client_as) -> None:
    notice = notice_publish(school=world.school, body=[survey(["6月1日", "6月8日"]), attendance()])
    client = client_as("guardian")
    survey_url = reverse("parent_notices:reply", args=[notice.pk, SURVEY])
    client.post(survey_url, {"student": world.child.pk, "choice": "6月1日"})
    for bad in ({"choice": "6月99日"}, {"choice": ["6月1日", "6月8日"]}, {"choice": ""}):
        response = client.post(survey_url, {"student": world.child.pk, **bad}, follow=True)
        assert response.status_code == 200
        assert "messages" in response.content.decode()
    # another family's child, a child who is not in the notice's audience, a form that does not exist
    client.post(survey_url, {"student": world.classmate.pk, "choice": "6月1日"})
    client.post(reverse("parent_notices:reply", args=[notice.pk, "nope"]), {"student": world.child.pk, "choice": "x"})
    client.post(survey_url, {"student": world.sibling.pk, "choice": "6月1日"})
    assert list(NoticeReply.objects.values_list("student_id", "choice")) == [(world.child.pk, "6月1日")]


def test_a_flood_of_replies_is_cut_off_and_keeps_the_last_saved_answer(world, client_as) -> None:
    from parent_notices.services import REPLY_CHANGES_MAX

    notice = notice_publish(school=world.school, body=[attendance()])
    client = client_as("guardian")
    url = reverse("parent_notices:reply", args=[notice.pk, ATTEND])
    for i in range(REPLY_CHANGES_MAX + 3):
        client.post(url, {"student": world.child.pk, "choice": "yes" if i % 2 else "no"})
    reply = NoticeReply.objects.get(notice=notice)
    assert reply.changes == REPLY_CHANGES_MAX
    response = client.get(reverse("parent_notices:notice", args=[notice.pk]))
    assert response.status_code == 200


def test_a_guardian_cannot_open_a_notice_or_reply_of_a_class_their_children_are_not_in(world, client_as) -> None:
    notice = notice_publish(
        school=world.school, audience=Audience.CLASS, class_groups=[world.other_class], body=[attendance()]
    )
    client = client_as("guardian")
    assert client.get(reverse("parent_notices:notice", args=[notice.pk])).status_code == 404
    url = reverse("parent_notices:reply", args=[notice.pk, ATTEND])
    assert client.post(url, {"student": world.child.pk, "choice": "yes"}).status_code == 404
    assert not NoticeReply.objects.exists()


def test_a_guardian_cannot_open_an_attachment_of_a_notice_for_another_class(world, client_as) -> None:
    document = Document.objects.create(
        title="3年2組の名簿",
        file=ContentFile(b"%PDF-1.4 other class", name="class-3-2.pdf"),
        collection=world.school.collection,
    )
    notice = notice_publish(
        school=world.school, audience=Audience.CLASS, class_groups=[world.other_class], body=[attachment(document.pk)]
    )
    url = reverse("parent_notices:attachment", args=[notice.pk, FILE])
    guardian = client_as("guardian")  # a child in 3-1, not 3-2
    response = guardian.get(url)
    assert response.status_code == 404 and b"other class" not in response.content
    # Nor through Wagtail's own document URL, by the id.
    response = guardian.get(document.url)
    assert response.status_code == 404 and b"other class" not in response.content
    # The class's teachers still get the file.
    response = client_as("homeroom_teacher").get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 other class"


def test_script_in_a_title_or_text_is_shown_as_text(world, client_as) -> None:
    notice = notice_publish(school=world.school, title="<script>alert('x')</script>お知らせ")
    page = client_as("guardian").get(reverse("parent_notices:notice", args=[notice.pk])).content.decode()
    assert "<script>alert('x')</script>" not in page
    assert "&lt;script&gt;" in page


def test_the_stored_inbox_changes_as_soon_as_a_notice_a_read_a_child_or_an_expiry_does(world, client_as) -> None:
    """The inbox list is kept between visits (parent_notices/inbox_cache.py): what a family sees still follows
    every change at once, and one family's list is never another's."""
    first = notice_publish(school=world.school, title="一つ目のお知らせ")
    client = client_as("guardian")
    page = _inbox_titles(client)
    assert "一つ目のお知らせ" in page and _("Unread") in page
    with CaptureQueriesContext(connection) as stored:
        again = _inbox_titles(client)  # from the cache: the notices are not asked for again
    assert _inbox_list(again) == _inbox_list(page) and "一つ目のお知らせ" in _inbox_list(page)
    assert not [q for q in stored.captured_queries if "parent_notices_notice" in q["sql"]]

    notice_publish(school=world.school, title="二つ目のお知らせ")  # published: every family's list is drawn again
    assert "二つ目のお知らせ" in _inbox_titles(client)

    client.get(reverse("parent_notices:notice", args=[first.pk]))  # read: no longer marked unread
    page = _inbox_titles(client)
    assert page.count(_("Unread")) == 1

    other = _inbox_titles(client_as("other_guardian"))  # the classmate's family: its own list, not the Yamadas'
    assert other.count(_("Unread")) == 2

    class_notice = notice_publish(
        school=world.school, title="3年2組のお知らせ", audience=Audience.CLASS, class_groups=[world.other_class]
    )
    assert "3年2組のお知らせ" not in _inbox_titles(client)
    _add_third_child(world)  # a child in 3年2組
    assert "3年2組のお知らせ" in _inbox_titles(client)

    Notice.objects.filter(pk=class_notice.pk).update(expire_at=timezone.now() + datetime.timedelta(seconds=1))
    notice_publish(school=world.school, title="三つ目のお知らせ")  # the list drawn with the expiry in it
    assert "3年2組のお知らせ" in _inbox_titles(client)
    time.sleep(1.1)
    assert "3年2組のお知らせ" not in _inbox_titles(client)  # expired: gone, though nothing was saved
