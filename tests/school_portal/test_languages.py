"""The portal's languages: content in ten (Wagtail locales), an interface in those whose catalogue exists."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.translation import get_language_info
from wagtail.models import Locale

pytestmark = pytest.mark.django_db

CONTENT = ["ja", "ja-x-easy", "en", "zh-hans", "zh-hant", "ko", "vi", "fil", "pt-br", "ne"]


def test_the_language_switch_offers_only_languages_whose_interface_is_translated(client_as) -> None:
    page = client_as("guardian").get("/account/").content.decode()
    options = page.split('id="language-select"', 1)[1].split("</select>", 1)[0]
    assert 'value="ja"' in options and 'value="en"' in options
    assert 'value="vi"' not in options and 'value="ja-x-easy"' not in options


def test_a_browser_asking_for_a_language_without_an_interface_reads_japanese() -> None:
    page = Client(HTTP_ACCEPT_LANGUAGE="vi").get("/accounts/login/")
    assert '<html lang="ja">' in page.content.decode()


def test_choosing_a_content_only_language_on_the_switch_is_not_saved_to_the_account(client_as, world) -> None:
    client = client_as("guardian")
    client.post("/i18n/setlang/", {"language": "vi", "next": "/account/"})
    world.users["guardian"].refresh_from_db()
    assert world.users["guardian"].preferred_language == ""
    assert '<html lang="ja">' in client.get("/account/").content.decode()


def test_every_notice_language_is_a_wagtail_locale_with_a_name() -> None:
    for code in CONTENT:
        Locale.objects.get_or_create(language_code=code)
    names = {locale.language_code: locale.get_display_name() for locale in Locale.objects.all()}
    assert names["fil"] == "フィリピノ語"  # the settings name, translated in the active language (ja)
    assert get_language_info("fil")["name_local"] == "Filipino"
    assert get_language_info("ja-x-easy")["name_local"] == "やさしい日本語"
    assert set(CONTENT) <= set(names)
