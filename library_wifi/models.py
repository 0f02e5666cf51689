"""The library Wi-Fi portal's data: gateways, the libraries' pages (Wagtail), terms of use (versioned Wagtail
pages), sessions (with the terms revision accepted), the board's disaster mode and statistics without personal data.

No raw MAC or IP address is stored anywhere: a client is known only by a salted digest whose salt rotates
(``stats.py``), and only for as long as the retention rule keeps it.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from school_portal.core.models import City, Library

from .blocks import EventBlock, HoursBlock, NoticeBlock


def new_gateway_key() -> str:
    return secrets.token_urlsafe(12)


class Gateway(models.Model):
    """A library's access controller. Its secrets are written in the admin and never shown back."""

    class Kind(models.TextChoices):
        OPENNDS = "opennds", _("openNDS (FAS)")
        COOVA = "coova", _("CoovaChilli (UAM)")
        MERAKI = "meraki", _("Cisco Meraki click-through")
        UNIFI = "unifi", _("UniFi external portal")

    library = models.ForeignKey(
        Library, on_delete=models.CASCADE, related_name="wifi_gateways", verbose_name=_("library")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    key = models.SlugField(
        _("portal key"),
        max_length=32,
        unique=True,
        default=new_gateway_key,
        help_text=_("The gateway's part of the portal address (/library-wifi/portal/<key>/)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    allowed_hosts = models.TextField(
        _("allowed gateway hosts"),
        blank=True,
        help_text=_(
            "One per line: the host[:port] this gateway may send visitors back to (openNDS gatewayaddress, "
            "CoovaChilli uamip:uamport, a Meraki grant host such as n143.network-auth.com; *.network-auth.com "
            "allows every Meraki grant host)."
        ),
    )
    opennds_level = models.PositiveSmallIntegerField(
        _("openNDS FAS secure level"), choices=[(1, "1 (hid, http)"), (3, "3 (AES + authmon, https)")], default=1
    )
    opennds_gateway_name = models.CharField(
        _("openNDS gateway name"),
        max_length=100,
        blank=True,
        help_text=_("The gatewayname of the openNDS configuration (authmon sends its sha256)."),
    )
    secret = models.CharField(
        _("shared secret"), max_length=200, blank=True
    )  # faskey / uamsecret / controller password
    login_username = models.CharField(
        _("login user name"),
        max_length=100,
        blank=True,
        help_text=_("CoovaChilli: the RADIUS user of the click-through; UniFi: the controller's operator account."),
    )
    login_password = models.CharField(_("login password"), max_length=200, blank=True)
    controller_url = models.URLField(_("UniFi controller address"), blank=True)
    controller_site = models.CharField(_("UniFi site"), max_length=50, blank=True, default="default")

    class Meta:
        verbose_name = _("Wi-Fi gateway")
        verbose_name_plural = _("Wi-Fi gateways")
        ordering = ["library__name", "name"]

    def __str__(self) -> str:
        return f"{self.library} – {self.name}"

    @property
    def allowed_host_list(self) -> list[str]:
        return [line.strip().lower() for line in self.allowed_hosts.splitlines() if line.strip()]


class LibraryIndexPage(Page):
    """The root of the libraries' pages (one per city): their portal pages and the terms of use live under it."""

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["library_wifi.LibraryPortalPage", "library_wifi.TermsPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("library Wi-Fi pages")


class LibraryPortalPage(Page):
    """What a visitor sees on the library's Wi-Fi: hours, closing days, address, events and notices.

    One per library, written in Japanese; its translations (Wagtail's locales: en, zh-hans, zh-hant, ko) are
    copies of it in other locales (``Page.copy_for_translation``)."""

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="+", verbose_name=_("library"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    hours = StreamField([("hours", HoursBlock())], blank=True, verbose_name=_("opening hours"))
    closing_days = models.TextField(_("closing days"), blank=True)
    events = StreamField([("event", EventBlock())], blank=True, verbose_name=_("events"))
    notices = StreamField([("notice", NoticeBlock())], blank=True, verbose_name=_("notices"))
    session_minutes = models.PositiveIntegerField(_("session length (minutes)"), default=60)
    renewable = models.BooleanField(_("sessions may be renewed"), default=True)

    parent_page_types = ["library_wifi.LibraryIndexPage"]
    subpage_types: list[str] = []

    content_panels = [
        *Page.content_panels,
        FieldPanel("library", permission="library_wifi.change_gateway"),
        FieldPanel("address"),
        FieldPanel("hours"),
        FieldPanel("closing_days"),
        FieldPanel("events"),
        FieldPanel("notices"),
        MultiFieldPanel(
            [FieldPanel("session_minutes"), FieldPanel("renewable")],
            heading=_("Wi-Fi sessions"),
        ),
    ]

    template = "library_wifi/library_portal_page.html"

    class Meta:
        verbose_name = _("library Wi-Fi page")


class TermsPage(Page):
    """The terms of use: each published revision is a version; a session records the revision accepted."""

    body = RichTextField(_("terms"), features=["h2", "h3", "bold", "ol", "ul", "link"])

    parent_page_types = ["library_wifi.LibraryIndexPage"]
    subpage_types: list[str] = []
    max_count_per_parent = 1
    content_panels = [*Page.content_panels, FieldPanel("body")]
    template = "library_wifi/terms_page.html"

    class Meta:
        verbose_name = _("Wi-Fi terms of use")


class DisasterMode(models.Model):
    """The board's switch: every library's Wi-Fi open without terms (00000JAPAN style) while it is on."""

    city = models.OneToOneField(City, on_delete=models.CASCADE, related_name="wifi_disaster_mode")
    active = models.BooleanField(default=False)
    changed_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name = _("disaster mode")

    def __str__(self) -> str:
        return f"{self.city}: {'on' if self.active else 'off'}"


class WifiSession(models.Model):
    """A visitor's grant. No MAC or IP: ``client_digest`` is the salted, rotating digest (``stats.client_digest``)."""

    gateway = models.ForeignKey(Gateway, on_delete=models.CASCADE, related_name="sessions")
    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="+")
    client_digest = models.CharField(max_length=64, db_index=True)
    token = models.CharField(max_length=43, unique=True)
    language = models.CharField(max_length=10)
    terms_revision = models.ForeignKey(
        "wagtailcore.Revision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    disaster = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    renewals = models.PositiveSmallIntegerField(default=0)
    counted = models.BooleanField(default=False)  # in the statistics yet (``stats.usage_rollup``)

    class Meta:
        indexes = [
            models.Index(fields=["started_at"]),
            models.Index(fields=["id"], condition=models.Q(counted=False), name="library_wifi_session_uncounted"),
        ]

    def __str__(self) -> str:
        return f"{self.library_id} {self.started_at:%Y-%m-%d %H:%M}"


class HandshakeNonce(models.Model):
    """A gateway's one-time value (CoovaChilli challenge, openNDS hid, UniFi request): used once, then refused."""

    gateway = models.ForeignKey(Gateway, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["gateway", "digest"], name="library_wifi_unique_nonce")]

    def __str__(self) -> str:
        return self.digest[:12]


class AuthmonGrant(models.Model):
    """openNDS level 3: a verified client waiting for the gateway's authmon to fetch its rhid."""

    gateway = models.ForeignKey(Gateway, on_delete=models.CASCADE, related_name="authmon_grants")
    session = models.ForeignKey(WifiSession, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    rhid = models.CharField(max_length=64)
    session_minutes = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    acked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["gateway", "rhid"], name="library_wifi_unique_rhid")]

    def __str__(self) -> str:
        return self.rhid[:12]


class StatsSalt(models.Model):
    """The month's salt of the client digests; deleted when the month is over, so old digests link to nothing."""

    period = models.CharField(max_length=7, unique=True)  # YYYY-MM
    salt = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.period


class DeviceSeen(models.Model):
    """A digest seen this salt period (new vs returning devices), nothing more."""

    period = models.CharField(max_length=7)
    digest = models.CharField(max_length=64)
    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "library", "digest"], name="library_wifi_unique_device")
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.digest[:12]}"


class HourlyUse(models.Model):
    """Sessions per library per hour (Asia/Tokyo) and language, new and returning devices: open data."""

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    language = models.CharField(max_length=10)
    sessions = models.PositiveIntegerField(default=0)
    new_devices = models.PositiveIntegerField(default=0)
    returning_devices = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["library", "hour", "language"], name="library_wifi_unique_hour")]

    def __str__(self) -> str:
        return f"{self.library_id} {self.hour:%Y-%m-%d %H}:00 {self.language}"
