"""The public part of the demo city: for each demo school two events for the community (an open school day, a
joint disaster drill with the neighbourhood) and a board's event for everyone, and the "notices and events for
the community" block on each school's home page and on the city portal. Idempotent (found again by school and
title; a page that has the block is left alone). Test-grade code: imported only by ``seed_demo``."""

from __future__ import annotations

import datetime

from django.utils import timezone

from school_portal.core.models import CityHomePage, SchoolHomePage
from school_portal.core.seeding import DemoCity

from ..models import Audience, Category, Notice
from ..testing import notice_publish, text

BLOCK = {"type": "public_notices", "value": {"heading": "", "events": 5, "notices": 5}}


def _event(name: str, day: datetime.date, starts: str, ends: str, place: str, bring: str = "") -> dict:
    value = {"name": name, "date": day.isoformat(), "starts": starts, "ends": ends, "place": place, "bring": bring}
    return {"type": "event", "value": value, "id": f"public-{day.isoformat()}-{starts.replace(':', '')}"}


def _public(school, title: str, body: list[dict], **kwargs: object) -> Notice:
    existing = Notice.objects.filter(school=school, title=title, locale__language_code="ja").first()
    return existing or notice_publish(
        school=school, title=title, audience=Audience.PUBLIC, category=Category.EVENT, body=body, **kwargs
    )


def _with_block(page) -> None:  # noqa: ANN001 - a SchoolHomePage or CityHomePage
    if any(block.block_type == "public_notices" for block in page.body):
        return
    page.body.append(("public_notices", BLOCK["value"]))
    page.save_revision().publish()


def seed(demo: DemoCity) -> None:
    today = timezone.localdate()
    for number, school in enumerate(demo.schools):
        open_day = today + datetime.timedelta(days=7 + number)
        drill = today + datetime.timedelta(days=21 + number)
        _public(
            school,
            "学校公開日《がっこうこうかいび》のお知らせ",
            [
                text("地域《ちいき》の皆様《みなさま》、どうぞお越《こ》しください。"),
                _event("学校公開日", open_day, "09:00", "12:00", f"{school.name} 各教室", "上履き"),
            ],
        )
        _public(
            school,
            "地域合同防災訓練《ちいきごうどうぼうさいくんれん》",
            [
                text("地域《ちいき》の方《かた》と一緒《いっしょ》に避難訓練《ひなんくんれん》を行います。"),
                _event("地域合同防災訓練", drill, "10:00", "11:30", f"{school.name} 校庭"),
            ],
        )
    _public(
        None,
        "教育《きょういく》フォーラムのご案内《あんない》",
        [
            text("市《し》の教育《きょういく》について語《かた》り合《あ》いましょう。"),
            _event("教育フォーラム", today + datetime.timedelta(days=30), "14:00", "16:00", "市民会館 大ホール"),
        ],
        city=demo.city,
    )
    for page in SchoolHomePage.objects.filter(school__in=demo.schools):
        _with_block(page)
    city_home = CityHomePage.objects.first()
    if city_home is not None:
        _with_block(city_home)
