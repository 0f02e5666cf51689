"""The library Wi-Fi of the demo city: 24 libraries (the central one the core seeded and 23 ward libraries), their
pages in five languages (Wagtail translations), the terms of use, and a gateway of each kind spread over them."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, TextIO

from wagtail.models import Locale

from school_portal.core.models import Library

from . import services, testing
from .models import Gateway, LibraryPortalPage, TermsPage

if TYPE_CHECKING:
    from school_portal.core.seeding import DemoCity

# (ward, ward in English, slug) of an Osaka-like city: one library per ward besides the central one.
WARDS = [
    ("北区", "Kita", "kita"),
    ("都島区", "Miyakojima", "miyakojima"),
    ("福島区", "Fukushima", "fukushima"),
    ("此花区", "Konohana", "konohana"),
    ("中央区", "Chuo", "chuo"),
    ("港区", "Minato", "minato"),
    ("大正区", "Taisho", "taisho"),
    ("天王寺区", "Tennoji", "tennoji"),
    ("浪速区", "Naniwa", "naniwa"),
    ("西淀川区", "Nishiyodogawa", "nishiyodogawa"),
    ("淀川区", "Yodogawa", "yodogawa"),
    ("東淀川区", "Higashiyodogawa", "higashiyodogawa"),
    ("東成区", "Higashinari", "higashinari"),
    ("生野区", "Ikuno", "ikuno"),
    ("旭区", "Asahi", "asahi"),
    ("城東区", "Joto", "joto"),
    ("鶴見区", "Tsurumi", "tsurumi"),
    ("阿倍野区", "Abeno", "abeno"),
    ("住之江区", "Suminoe", "suminoe"),
    ("住吉区", "Sumiyoshi", "sumiyoshi"),
    ("東住吉区", "Higashisumiyoshi", "higashisumiyoshi"),
    ("平野区", "Hirano", "hirano"),
    ("西成区", "Nishinari", "nishinari"),
]
TRANSLATED_TITLE = {
    "en": "{en}",
    "zh-hans": "{ja}（{en}）",
    "zh-hant": "{ja}（{en}）",
    "ko": "{ja} ({en})",
}
CLOSING_DAYS = {
    "ja": "毎週月曜日（祝日の場合は翌日）、年末年始、蔵書点検期間",
    "en": "Mondays (the next day when Monday is a holiday), the New Year holidays, stocktaking days",
    "zh-hans": "每周一（遇节假日顺延至次日）、年末年初、藏书盘点期间",
    "zh-hant": "每週一（遇國定假日順延至次日）、年末年初、藏書盤點期間",
    "ko": "매주 월요일(공휴일이면 다음 날), 연말연시, 장서 점검 기간",
}
NOTICE = {
    "ja": ("Wi-Fiのご利用について", "1回60分まで。混雑時は譲り合ってご利用ください。"),
    "en": ("Using the Wi-Fi", "Up to 60 minutes at a time; please share when the library is busy."),
    "zh-hans": ("关于使用Wi-Fi", "每次最多60分钟。拥挤时请互相谦让。"),
    "zh-hant": ("關於使用Wi-Fi", "每次最多60分鐘。擁擠時請互相禮讓。"),
    "ko": ("Wi-Fi 이용 안내", "1회 60분까지. 혼잡할 때는 서로 양보해 주세요."),
}
TERMS = {
    "en": "<h2>Terms of use</h2><p>Use the library's free Wi-Fi lawfully and with consideration for others.</p>",
    "zh-hans": "<h2>使用条款</h2><p>请在遵守法律和公共秩序的前提下使用图书馆的免费Wi-Fi。</p>",
    "zh-hant": "<h2>使用條款</h2><p>請在遵守法律與公共秩序的前提下使用圖書館的免費Wi-Fi。</p>",
    "ko": "<h2>이용약관</h2><p>도서관 무료 Wi-Fi는 법령과 공공질서를 지키며 이용해 주세요.</p>",
}
KINDS = [Gateway.Kind.OPENNDS, Gateway.Kind.COOVA, Gateway.Kind.MERAKI, Gateway.Kind.UNIFI]


def _libraries(demo: DemoCity) -> list[Library]:
    libraries = list(Library.objects.filter(city=demo.city).order_by("pk")[:1])
    for ward, ward_en, slug in WARDS:
        library, _ = Library.objects.get_or_create(
            slug=f"lib-{slug}",
            defaults={"city": demo.city, "name": f"{ward[:-1]}図書館", "name_en": f"{ward_en} Library", "ward": ward},
        )
        libraries.append(library)
    return libraries[:24]


def _translate(page, language: str, **fields) -> None:
    """Wagtail's translation of ``page`` (and its parents), published as a revision."""
    locale, _ = Locale.objects.get_or_create(language_code=language)
    if page.get_translation_or_none(locale) is not None:
        return
    translation = page.copy_for_translation(locale, copy_parents=True)
    for name, value in fields.items():
        setattr(translation, name, value)
    translation.save_revision().publish()


def _translate_quickly(page: LibraryPortalPage, language: str, **fields) -> None:
    """A library page's translation made in one insert (seeding 96 of them through revisions takes minutes):
    the same ``translation_key`` under the index page's translation, live, as Wagtail's own copy would be."""
    locale = Locale.objects.get(language_code=language)
    if page.get_translation_or_none(locale) is not None:
        return
    parent = page.get_parent().get_translation(locale)
    values = {f.name: getattr(page, f.name) for f in LibraryPortalPage._meta.fields if f.name in COPIED}
    parent.add_child(
        instance=LibraryPortalPage(
            locale=locale, translation_key=page.translation_key, slug=page.slug, live=True, **values, **fields
        )
    )


COPIED = {"library", "address", "hours", "events", "session_minutes", "renewable"}


def seed(demo: DemoCity, out: TextIO | None = None) -> None:
    terms = TermsPage.objects.filter(locale=Locale.get_default()).first() or testing.terms_page()
    for language, body in TERMS.items():
        _translate(terms, language, title={"en": "Terms of use"}.get(language, terms.title), body=body)
    today = datetime.date.today()
    for number, library in enumerate(_libraries(demo)):
        page = LibraryPortalPage.objects.filter(library=library, locale=Locale.get_default()).first()
        if page is None:
            # The last library keeps short sessions that cannot be renewed (the others: 60 minutes, renewable).
            rules = {"session_minutes": 30, "renewable": False} if number == 23 else {}
            page = testing.portal_page(
                library,
                **rules,
                address=f"大阪市{library.ward or '西区'}{number % 9 + 1}丁目{number + 2}-{number % 5 + 1}",
                notices=[("notice", {"title": NOTICE["ja"][0], "text": NOTICE["ja"][1]})],
                events=[
                    ("event", {"date": today + datetime.timedelta(days=7 + number % 14), "title": "おはなし会"}),
                    ("event", {"date": today + datetime.timedelta(days=20), "title": "やさしい日本語で本を読もう"}),
                ],
            )
            for language, template in TRANSLATED_TITLE.items():
                _translate_quickly(
                    page,
                    language,
                    title=template.format(ja=library.name, en=library.name_en or library.slug),
                    closing_days=CLOSING_DAYS[language],
                    notices=[("notice", {"title": NOTICE[language][0], "text": NOTICE[language][1]})],
                )
        if not library.wifi_gateways.exists():
            testing.gateway(library, KINDS[number % len(KINDS)], name=f"{library.name} 1F")
        services.librarian_editors_sync(library=library)
    if out is not None:
        out.write(
            f"Library Wi-Fi: {Library.objects.filter(city=demo.city).count()} libraries, "
            f"{Gateway.objects.count()} gateways (portal: /library-wifi/portal/<key>/)\n"
        )
