"""The public side: what a school and the board tell the community, on pages, in feeds, calendars, the open-data
CSV and the API, and nothing written to families."""

from __future__ import annotations

import csv
import datetime
import io
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parent_notices.models import Audience, Category, Notice
from parent_notices.public import ical, opendata
from parent_notices.public.selectors import public_q
from parent_notices.testing import event, notice_publish, text
from school_portal.core.access import policy

pytestmark = pytest.mark.django_db


def _public(world, title="学校公開日《がっこうこうかいび》", *, school=None, day=None, **kwargs) -> Notice:
    day = day or timezone.localdate() + datetime.timedelta(days=5)
    body = kwargs.pop("body", [text("どなたでもどうぞ。"), event("学校公開日", day)])
    return notice_publish(
        school=school or world.school,
        title=title,
        audience=Audience.PUBLIC,
        category=Category.EVENT,
        body=body,
        **kwargs,
    )


def _private(world) -> Notice:
    day = timezone.localdate() + datetime.timedelta(days=3)
    return notice_publish(
        school=world.school,
        title="保護者会のお知らせ",
        audience=Audience.SCHOOL,
        body=[text("山田花子さんの保護者へ"), event("保護者会", day)],
    )


def _get(path: str, data: dict | None = None, **extra) -> object:
    return Client().get(path, data, **extra)


def test_a_schools_public_page_shows_its_public_events_and_notices_and_no_family_notice(world):
    _public(world)
    _private(world)
    page = _get(reverse("parent_notices:public_school", args=[world.school.slug]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "学校公開日" in html and "保護者会" not in html
    assert reverse("parent_notices:public_school_ical", args=[world.school.slug]) in html


def test_the_city_page_shows_every_schools_and_the_boards_public_events(world):
    _public(world, school=world.school)
    _public(world, "他校の運動会", school=world.other_school)
    notice_publish(
        school=None,
        city=world.city,
        title="教育フォーラム",
        audience=Audience.PUBLIC,
        body=[event("教育フォーラム", timezone.localdate() + datetime.timedelta(days=9))],
    )
    _private(world)
    html = _get(reverse("parent_notices:public_city", args=[world.city.slug])).content.decode()
    assert "学校公開日" in html and "他校の運動会" in html and "教育フォーラム" in html
    assert "保護者会" not in html


def test_a_public_notice_opens_for_anyone_and_a_family_notice_does_not(world, client_as):
    public = _public(world)
    private = _private(world)
    assert _get(reverse("parent_notices:public_notice", args=[public.pk])).status_code == 200
    assert _get(reverse("parent_notices:public_notice", args=[private.pk])).status_code == 404
    # not even for a guardian the notice is for: the public page is for public notices only
    assert client_as("guardian").get(reverse("parent_notices:public_notice", args=[private.pk])).status_code == 404


def test_the_read_public_rule_and_the_public_listing_agree(world):
    notices = [_public(world), _private(world), _public(world, "下書き", publish=False)]
    expired = _public(world, "終わったお知らせ")
    Notice.objects.filter(pk=expired.pk).update(expire_at=timezone.now() - datetime.timedelta(hours=1))
    notices.append(Notice.objects.get(pk=expired.pk))
    listed = set(Notice.objects.filter(public_q()).values_list("pk", flat=True))
    for notice in notices:
        assert policy.allows(None, "read_public", notice) == (notice.pk in listed), notice.title
    assert listed == {notices[0].pk}


def test_rss_and_atom_feeds_carry_the_public_notices_without_readings(world):
    _public(world)
    _private(world)
    rss = _get(reverse("parent_notices:public_school_rss", args=[world.school.slug]))
    atom = _get(reverse("parent_notices:public_school_atom", args=[world.school.slug]))
    assert rss["Content-Type"].startswith("application/rss+xml")
    assert atom["Content-Type"].startswith("application/atom+xml")
    for response in (rss, atom):
        body = response.content.decode()
        assert "<title>学校公開日</title>" in body
        assert "保護者会" not in body and "《" not in body


def _lines(response) -> list[str]:
    raw = response.content
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    lines = raw.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines)
    return [line.decode() for line in lines]


def _unfolded(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if line.startswith(" "):
            out[-1] += line[1:]
        else:
            out.append(line)
    return out


def test_the_school_calendar_is_rfc_5545_with_tokyo_time_stable_uids_folding_and_escaping(world):
    day = timezone.localdate() + datetime.timedelta(days=5)
    long_place = "体育館; 南側入口, 2階 " + "とても長い場所の説明" * 8
    body = [
        text("どうぞ"),
        {
            "type": "event",
            "value": {
                "name": "公開授業",
                "date": day.isoformat(),
                "starts": "09:30",
                "ends": "11:00",
                "place": long_place,
                "bring": "",
            },
            "id": "evt-1",
        },
        {
            "type": "event",
            "value": {
                "name": "終日の作品展",
                "date": day.isoformat(),
                "starts": None,
                "ends": None,
                "place": "",
                "bring": "",
            },
            "id": "evt-2",
        },
    ]
    notice = _public(world, body=body)
    url = reverse("parent_notices:public_school_ical", args=[world.school.slug])
    first = _get(url)
    assert first["Content-Type"] == "text/calendar; charset=utf-8"
    lines = _unfolded(_lines(first))
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and "BEGIN:VTIMEZONE" in lines and "TZID:Asia/Tokyo" in lines
    assert f"DTSTART;TZID=Asia/Tokyo:{day:%Y%m%d}T093000" in lines
    assert f"DTEND;TZID=Asia/Tokyo:{day:%Y%m%d}T110000" in lines
    assert f"DTSTART;VALUE=DATE:{day:%Y%m%d}" in lines
    assert f"DTEND;VALUE=DATE:{day + datetime.timedelta(days=1):%Y%m%d}" in lines
    assert "LOCATION:" + long_place.replace(";", "\\;").replace(",", "\\,") in lines
    uids = [line for line in lines if line.startswith("UID:")]
    assert len(uids) == 2 and all(line.startswith("DTSTAMP:") for line in lines if line.startswith("DTSTAMP"))

    notice.title = "公開授業（時間変更）"
    notice.save_revision().publish()
    again = _unfolded(_lines(_get(url)))
    assert [line for line in again if line.startswith("UID:")] == uids


def test_folding_never_splits_a_character_and_text_is_escaped():
    line = "SUMMARY:" + "あ" * 60
    folded = ical.fold(line)
    parts = folded.split("\r\n")
    assert all(len(part.encode()) <= 75 for part in parts)
    assert "".join([parts[0], *(p[1:] for p in parts[1:])]) == line
    assert ical.escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"


def test_a_class_calendar_has_its_schools_public_events_and_those_for_it_but_not_another_class(world):
    _public(world, "学校公開日")
    _public(
        world,
        "3年1組の公開授業",
        class_groups=[world.class_group],
        body=[event("3年1組の公開授業", timezone.localdate() + datetime.timedelta(days=2))],
    )
    _public(
        world,
        "3年2組の公開授業",
        class_groups=[world.other_class],
        body=[event("3年2組の公開授業", timezone.localdate() + datetime.timedelta(days=2))],
    )
    body = _get(reverse("parent_notices:public_class_ical", args=[world.class_group.pk])).content.decode()
    assert "学校公開日" in body and "3年1組の公開授業" in body and "3年2組の公開授業" not in body


def test_the_open_data_csv_has_the_standard_columns_in_order_utf8_without_bom_and_formula_safe(world):
    _public(world, body=[event('=HYPERLINK("http://x")', timezone.localdate() + datetime.timedelta(days=4))])
    _private(world)
    response = _get(reverse("parent_notices:public_school_csv", args=[world.school.slug]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = response.content
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    assert tuple(rows[0]) == opendata.COLUMNS
    assert len(rows[0]) == 32  # the current definition (デジタル庁), not the older 推奨データセット's 33
    assert rows[0][:5] == ["都道府県コード又は市区町村コード", "NO", "都道府県名", "市区町村名", "イベント名"]
    assert rows[0][24:30] == [
        "アクセス方法",
        "駐車場情報",
        "定員",
        "参加申込終了日",
        "参加申込終了時間",
        "参加申込方法",
    ]
    assert rows[0][-2:] == ["URL", "備考"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["イベント名"] == '\'=HYPERLINK("http://x")'
    assert row["市区町村名"] == world.city.name and row["主催者"] == world.school.name
    assert row["都道府県名"] == ""  # no local government code set for the city: nothing guessed
    assert row["開始時間"] == "09:00" and row["URL"].startswith("http")


def test_the_city_csv_holds_every_schools_events_and_the_local_government_code_from_settings(world, settings):
    settings.PARENT_NOTICES_LG_CODES = {world.city.slug: "271004"}
    _public(world, school=world.school)
    _public(
        world,
        "他校の運動会",
        school=world.other_school,
        body=[event("他校の運動会", timezone.localdate() + datetime.timedelta(days=6))],
    )
    rows = list(
        csv.DictReader(
            io.StringIO(_get(reverse("parent_notices:public_city_csv", args=[world.city.slug])).content.decode())
        )
    )
    assert {row["イベント名"] for row in rows} == {"学校公開日", "他校の運動会"}
    assert {row["都道府県コード又は市区町村コード"] for row in rows} == {"271004"}
    assert {row["都道府県名"] for row in rows} == {"大阪府"}


def test_feeds_and_csv_are_served_from_the_cache_until_a_notice_changes(world):
    notice = _public(world)
    urls = [
        reverse("parent_notices:public_school_csv", args=[world.school.slug]),
        reverse("parent_notices:public_school_ical", args=[world.school.slug]),
        reverse("parent_notices:public_school_rss", args=[world.school.slug]),
    ]
    for url in urls:
        _get(url)
    with CaptureQueriesContext(connection) as queries:
        for url in urls:
            assert "学校公開日" in _get(url).content.decode()
    assert len(queries) == 0
    notice.title = "学校公開日（雨天延期）"
    notice.body = [event("学校公開日（雨天延期）", timezone.localdate() + datetime.timedelta(days=8))]
    notice.save_revision().publish()
    assert all("雨天延期" in _get(url).content.decode() for url in urls)
    notice.unpublish()
    assert all("学校公開日" not in _get(url).content.decode() for url in urls)


def test_the_api_lists_public_notices_only_and_refuses_another_audience(world):
    public = _public(world)
    private = _private(world)
    listing = _get(reverse("parent_notices:api:notices:listing"))
    assert listing.status_code == 200
    data = json.loads(listing.content)
    assert [item["id"] for item in data["items"]] == [public.pk]
    assert data["items"][0]["events"][0]["name"] == "学校公開日"
    refused = _get(reverse("parent_notices:api:notices:listing"), {"audience": "school"})
    assert refused.status_code == 400
    assert "一般向け" in json.loads(refused.content)["message"]  # "only notices for the public"
    assert _get(reverse("parent_notices:api:notices:detail", args=[private.pk])).status_code == 404
    detail = json.loads(_get(reverse("parent_notices:api:notices:detail", args=[public.pk])).content)
    assert detail["text"] == "どなたでもどうぞ。"


def test_the_pages_api_serves_live_pages_without_view_restrictions_only(world):
    from wagtail.models import PageViewRestriction

    from school_portal.core.models import StandardPage

    home = world.school.home_page
    shown = home.add_child(instance=StandardPage(title="アクセス", slug="access"))
    hidden = home.add_child(instance=StandardPage(title="教職員だけ", slug="staff-only"))
    PageViewRestriction.objects.create(page=hidden, restriction_type="password", password="x")  # noqa: S106
    draft = home.add_child(instance=StandardPage(title="下書きのページ", slug="draft", live=False))
    host = world.school.site.hostname
    port = world.school.site.port
    response = _get(reverse("parent_notices:api:pages:listing"), HTTP_HOST=f"{host}:{port}")
    titles = {item["title"] for item in json.loads(response.content)["items"]}
    assert shown.title in titles and hidden.title not in titles and draft.title not in titles
