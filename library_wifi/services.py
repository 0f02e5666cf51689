"""Writes of the library Wi-Fi portal (keyword-only, typed, noun_verb)."""

from __future__ import annotations

import datetime
import hashlib
import math
import secrets

from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import GroupPagePermission, Locale

from school_portal.core.access import policy
from school_portal.core.models import City, Library, Role, User

from .adapters import Handshake, HandshakeError
from .models import AuthmonGrant, DisasterMode, Gateway, HandshakeNonce, LibraryPortalPage, WifiSession


def handshake_nonce_use(*, gateway: Gateway, nonce: str) -> None:
    """A gateway's one-time value is good once: a replayed ``hid`` / ``challenge`` / UniFi request is refused."""
    if not nonce:
        return
    digest = hashlib.sha256(nonce.encode()).hexdigest()
    try:
        with transaction.atomic():
            HandshakeNonce.objects.create(gateway=gateway, digest=digest, used_at=timezone.now())
    except IntegrityError as exc:
        raise HandshakeError(
            _("This Wi-Fi sign-in has already been used. Reconnect to the library's Wi-Fi."), status=409
        ) from exc


def session_start(
    *,
    gateway: Gateway,
    handshake: Handshake,
    client_digest: str,
    minutes: int,
    language: str,
    terms_revision_id: int | None,
    disaster: bool,
) -> WifiSession:
    """Record the grant (the terms revision accepted, or none in disaster mode): the gateway's one-time value, if
    it sent one, and the session row. The statistics count it later (``stats.usage_rollup``)."""
    now = timezone.now()
    with transaction.atomic(savepoint=False):  # inside the accept's transaction: no savepoint round trips
        handshake_nonce_use(gateway=gateway, nonce=handshake.nonce)
        return WifiSession.objects.create(
            gateway=gateway,
            library_id=gateway.library_id,
            client_digest=client_digest,
            token=secrets.token_urlsafe(32),
            language=language,
            terms_revision_id=terms_revision_id,
            disaster=disaster,
            started_at=now,
            expires_at=now + datetime.timedelta(minutes=minutes),
        )


def session_renew(*, session: WifiSession, renewable: bool, minutes: int) -> WifiSession:
    """Another period from now, where the library allows renewal and the session has not ended yet."""
    now = timezone.now()
    if not renewable:
        raise HandshakeError(_("Sessions at this library cannot be renewed."), status=409)
    if session.expires_at <= now:
        raise HandshakeError(
            _("Your Wi-Fi session has already ended. Reconnect to the library's Wi-Fi to start a new one."), status=410
        )
    updated = WifiSession.objects.filter(pk=session.pk, expires_at__gt=now).update(
        expires_at=now + datetime.timedelta(minutes=minutes), renewals=F("renewals") + 1
    )
    if not updated:  # it ended (or was pruned) between the read and the write
        raise HandshakeError(
            _("Your Wi-Fi session has already ended. Reconnect to the library's Wi-Fi to start a new one."), status=410
        )
    session.refresh_from_db(fields=["expires_at", "renewals"])
    return session


class ResumeRefused(HandshakeError):
    """A running session that cannot be continued (ended meanwhile, or its cookie is on another device): the
    visitor is shown the terms, as anyone new."""


def minutes_left(session: WifiSession) -> int:
    """The whole minutes a running session has left, rounded up (at least one)."""
    return max(1, math.ceil((session.expires_at - timezone.now()).total_seconds() / 60))


def session_resume(*, gateway: Gateway, session: WifiSession, handshake: Handshake, client_digest: str) -> int:
    """Continue the visitor's running session through a gateway's fresh handshake (``session_views``): only on the
    device that accepted (its digest) and while it lasts; the gateway's one-time value is used up as at an accept.
    Returns the minutes to grant (what is left)."""
    if session.expires_at <= timezone.now():
        raise ResumeRefused(_("Your Wi-Fi session has ended. Accept the terms of use to start a new one."), 409)
    if client_digest != session.client_digest:
        raise ResumeRefused(
            _("Your Wi-Fi session belongs to another device. Accept the terms of use to connect this one."), 409
        )
    handshake_nonce_use(gateway=gateway, nonce=handshake.nonce)
    return minutes_left(session)


def authmon_grant_add(*, session: WifiSession, rhid: str, minutes: int) -> AuthmonGrant:
    """openNDS level 3: the rhid waits for the gateway's authmon to fetch it."""
    grant, _created = AuthmonGrant.objects.get_or_create(
        gateway=session.gateway,
        rhid=rhid,
        defaults={"session": session, "session_minutes": minutes, "created_at": timezone.now()},
    )
    return grant


@transaction.atomic
def disaster_mode_set(*, city: City, active: bool, by: User) -> DisasterMode:
    """The board opens (or closes again) every library's Wi-Fi without terms, in one action."""
    policy.require_capability(by, "library_wifi.disaster")
    mode, _created = DisasterMode.objects.select_for_update().get_or_create(city=city)
    mode.active = active
    mode.changed_at = timezone.now()
    mode.changed_by = by
    mode.save()
    return mode


@transaction.atomic
def library_editors_group(*, page: LibraryPortalPage) -> Group:
    """The library's Wagtail group: admin access, and add/change/publish on its own page (and its translations,
    which Wagtail keeps in other locales' trees: each gets the same permissions)."""
    group, _created = Group.objects.get_or_create(name=f"Library {page.library.slug} editors")
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    for translation in [page, *page.get_translations()]:
        for codename in ("change_page", "publish_page"):
            GroupPagePermission.objects.get_or_create(
                group=group,
                page=translation,
                permission=Permission.objects.get(content_type__app_label="wagtailcore", codename=codename),
            )
    return group


def librarian_editors_sync(*, library: Library) -> int:
    """Every librarian of the library may edit its Wi-Fi page in Wagtail (and nobody else's)."""
    page = LibraryPortalPage.objects.filter(library=library, locale=Locale.get_default()).first()
    if page is None:
        return 0
    group = library_editors_group(page=page)
    users = User.objects.filter(role_assignments__role=Role.LIBRARIAN, role_assignments__library=library).distinct()
    group.user_set.add(*users)
    return users.count()
