"""System checks: what the portal needs from its machine, said plainly at start-up."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def japanese_pdf_font(app_configs, **kwargs):
    font = Path(settings.PDF_JAPANESE_FONT)
    if font.is_file():
        return []
    return [
        Warning(
            f"The Japanese PDF font {font} is missing: badges, letters and worksheets cannot be printed.",
            hint="Install Debian's fonts-ipaexfont-gothic, or set PDF_JAPANESE_FONT to a TrueType font path.",
            id="core.W001",
        )
    ]


@register()
def names_pdf_font(app_configs, **kwargs):
    missing = [path for path in settings.PDF_FALLBACK_FONTS if not Path(path).is_file()]
    if not missing:
        return []
    return [
        Warning(
            f"The PDF fallback font(s) {', '.join(missing)} are missing: a child's name with a kanji the Japanese "
            "font lacks (𠮷, U+20BB7) prints as a box.",
            hint="Install Debian's fonts-ipamj-mincho, or set PDF_FALLBACK_FONTS to TrueType font paths.",
            id="core.W002",
        )
    ]


@register()
def capabilities_of_links_and_panels(app_configs, **kwargs):
    """A header link or dashboard panel naming a capability nobody registered would fail on every page."""
    from .access import policy
    from .registry import dashboard_panels, nav_links

    return [
        Error(
            f"The {kind} {name!r} names the capability {item.capability!r}, which no app registered.",
            hint="Register it with policy.register_capability() in the app's access_rules.py, from its ready().",
            id="core.E001",
        )
        for kind, registry in (("header link", nav_links), ("dashboard panel", dashboard_panels))
        for name, item in registry.items()
        if item.capability not in policy.capabilities
    ]


@register(deploy=True)
def push_vapid_key(app_configs, **kwargs):
    """Production pushes need the portal's VAPID key and a contact from the environment (docs/operations.md)."""
    errors = []
    if not settings.PUSH_VAPID_PRIVATE_KEY and not settings.PUSH_VAPID_MAKE_DEV_KEY:
        errors.append(
            Error(
                "PUSH_VAPID_PRIVATE_KEY is not set: no push notification can be sent.",
                hint="Make a key pair with `manage.py push_vapid_keys` and set it in the environment.",
                id="core.E002",
            )
        )
    subject = settings.PUSH_VAPID_SUBJECT
    if not subject.startswith(("mailto:", "https://")) or subject.endswith("@localhost"):
        errors.append(
            Error(
                f"PUSH_VAPID_SUBJECT {subject!r} is not a contact the push services can reach.",
                hint="Set it to mailto:someone@your-city.example.jp or an https:// URL.",
                id="core.E003",
            )
        )
    return errors
