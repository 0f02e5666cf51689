"""The languages notices are translated into, present as Wagtail locales whenever the database is.

Wagtail makes only the default locale; its "Translate" (simple_translation) offers a teacher the locales that exist.
Every content language of the portal (``WAGTAIL_CONTENT_LANGUAGES``: English, Chinese, Korean, Vietnamese,
Filipino, Portuguese, Nepali, やさしい日本語...) is made a locale after each ``migrate`` (and after a test run's
flush), idempotently, as Django makes permissions.
"""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.conf import settings


def content_locales_ensure(**kwargs: Any) -> None:
    """Make a Wagtail locale for each content language that has none; safe to run again."""
    from wagtail.models import Locale

    existing = set(Locale.objects.values_list("language_code", flat=True))
    Locale.objects.bulk_create(
        [Locale(language_code=code) for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES if code not in existing]
    )


def on_post_migrate(sender: AppConfig, **kwargs: Any) -> None:
    content_locales_ensure()
