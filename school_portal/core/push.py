"""Push to a user's devices: Web Push (RFC 8030/8291/8292) with email as the fallback, sent by background workers.

A subscription belongs to one browser of one user, not to a plug-in: any plug-in's service calls
:func:`push_start` with the users to notify (it has asked the access policy who they are), and this module knows
nothing of what the message is about. It does three hard things:

* **No server-side request forgery.** The push service's URL comes from the browser, so a user could name any
  URL the portal can reach. An endpoint must be HTTPS and resolve only to public addresses, checked when it is
  stored and again (DNS may change) before each send; only ``PUSH_TEST_ENDPOINTS`` (tests, the demo) pass
  otherwise. Keys must be a point on P-256 and a 16-byte secret.
* **Fan-out many workers share.** The job's task writes one :class:`PushDelivery` per (message, device) — or
  per (message, user) by email for a user with no device — then every worker that takes one of the message's
  tasks claims batches of due deliveries (``SELECT ... FOR UPDATE SKIP LOCKED``) and sends them on a few
  threads. A 404/410 removes the subscription; a timeout, 429 or 5xx is retried after ``PUSH_RETRY_SECONDS``,
  never holding up the rest. Quiet hours defer a delivery (``not_before``), which only an emergency ignores.
* **A worker killed halfway.** Each delivery is written once and marked sent in small groups as answers come:
  a re-run skips what was sent and takes back what the dead worker had claimed. What cannot be known is whether
  the few requests in flight at the kill (``PUSH_SEND_THREADS``, plus the answers not yet written) reached the
  push service: those are sent again, with the same ``Topic`` (the push service replaces one not yet
  delivered) and the same notification tag (the device replaces, does not add, the notification).
"""

from __future__ import annotations

import base64
import binascii
import collections
import concurrent.futures
import contextlib
import datetime
import http.client
import ipaddress
import json
import logging
import re
import socket
import threading
import time
import uuid
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Count, F, Min, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import default_task_backend, task

from . import jobs, push_crypto
from .models import Job, PushDelivery, PushMessage, PushPreference, PushSubscription, User
from .services import PortalError

logger = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = 3000  # a push message carries at most 4 KB once encrypted
MAX_TTL = 28 * 86400
TOPIC_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
PLAN_CHUNK = 2000
RETRY_WAIT_IN_JOB = 15  # seconds: a retry due sooner is waited for by the job, a later one by a task
RECORD_GROUP = 32  # answers written together (and what a killed worker may leave unwritten)
FINAL = (PushDelivery.Status.SENT, PushDelivery.Status.GONE, PushDelivery.Status.FAILED)


# --- keys -----------------------------------------------------------------------------------------------------

_vapid_lock = threading.Lock()
_vapid: Any = None  # py_vapid.Vapid02, imported when first used (pywebpush loads aiohttp)
_vapid_headers: dict[str, tuple[float, dict[str, str]]] = {}


def _b64decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _b64encode(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode()


def vapid_keys_generate() -> tuple[str, str]:
    """A new key pair: (private key, public key), both base64url, as ``PUSH_VAPID_PRIVATE_KEY`` expects."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return _b64encode(private), _b64encode(public)


def _load_vapid() -> Any:
    from py_vapid import Vapid02

    configured = settings.PUSH_VAPID_PRIVATE_KEY.strip()
    if configured:
        if configured.startswith("-----BEGIN"):
            return Vapid02.from_pem(configured.encode())
        return Vapid02.from_raw(configured.encode())
    path = settings.PUSH_VAPID_KEY_FILE
    if not path.exists():
        if not settings.PUSH_VAPID_MAKE_DEV_KEY:
            raise PortalError(_("Push notifications are not configured (no VAPID key)."))
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # two processes starting at once: the first file wins
            with open(path, "xb") as out:
                out.write(pem)
            path.chmod(0o600)
        except FileExistsError:
            pass
    return Vapid02.from_pem(path.read_bytes())


def vapid() -> Any:
    """The portal's VAPID key (settings, else the embedded run's own file in ``var/``)."""
    global _vapid
    with _vapid_lock:
        if _vapid is None:
            _vapid = _load_vapid()
        return _vapid


def vapid_public_key() -> str:
    """The public key browsers subscribe with (``applicationServerKey``), base64url."""
    public = vapid().public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return _b64encode(public)


def _vapid_authorization(endpoint: str) -> dict[str, str]:
    """The VAPID header for the endpoint's origin, signed once an hour per push service (RFC 8292)."""
    parts = urlsplit(endpoint)
    audience = f"{parts.scheme}://{parts.netloc}"
    now = time.time()
    with _vapid_lock:
        cached = _vapid_headers.get(audience)
        if cached and cached[0] > now + 3600:
            return cached[1]
    expires = int(now) + 12 * 3600
    headers = vapid().sign({"aud": audience, "exp": expires, "sub": settings.PUSH_VAPID_SUBJECT})
    with _vapid_lock:
        _vapid_headers[audience] = (expires, headers)
    return headers


# --- the SSRF guard and the keys' checks ----------------------------------------------------------------------

_resolved: dict[tuple[str, int], tuple[float, bool]] = {}


def _allowed_for_tests(parts) -> bool:
    for allowed in settings.PUSH_TEST_ENDPOINTS:
        entry = urlsplit(allowed)
        if entry.scheme == parts.scheme and entry.hostname == parts.hostname and entry.port in (None, parts.port):
            return True
    return False


def _public_address(host: str, port: int) -> bool:
    """Does ``host`` resolve, and only to public unicast addresses? (Cached a minute per host.)"""
    now = time.monotonic()
    cached = _resolved.get((host, port))
    if cached and cached[0] > now:
        return cached[1]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        infos = []
    addresses = {ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}
    public = bool(addresses) and all(
        address.is_global and not address.is_multicast and not address.is_reserved for address in addresses
    )
    _resolved[(host, port)] = (now + 60, public)
    return public


def endpoint_refusal(endpoint: str) -> str | None:
    """Why the portal will not send to ``endpoint`` (a message for the person), or None if it may."""
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > 1000:
        return _("The notification address is missing or too long.")
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:
        return _("The notification address is not a valid URL.")
    if not parts.hostname or parts.username or parts.password:
        return _("The notification address is not a valid URL.")
    if _allowed_for_tests(parts):
        return None
    if parts.scheme != "https":
        return _("The notification address must use HTTPS.")
    if not _public_address(parts.hostname, port or 443):
        return _("The notification address is not on a public push service (a private or local address).")
    return None


def _key_refusal(p256dh: Any, auth: Any) -> str | None:
    try:
        public = _b64decode(p256dh) if isinstance(p256dh, str) else b""
        secret = _b64decode(auth) if isinstance(auth, str) else b""
    except (binascii.Error, ValueError):
        return _("The browser's notification keys are not valid.")
    if len(public) != 65 or public[0] != 4 or len(secret) != 16:
        return _("The browser's notification keys are not valid.")
    try:  # a point not on the P-256 curve is refused here
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public)
    except ValueError:
        return _("The browser's notification keys are not valid.")
    return None


# --- subscriptions and preferences ----------------------------------------------------------------------------


def push_subscription_save(*, user: User, info: Any, device: str = "") -> PushSubscription:
    """Store this browser's subscription for ``user`` (``info`` as the browser's ``PushSubscription.toJSON()``).

    The endpoint is a secret only the browser holds: the same endpoint sent by another signed-in user means the
    browser now belongs to them, and it moves. Refused with a message: not HTTPS, a private address, bad keys.
    """
    if not isinstance(info, dict) or not isinstance(info.get("keys"), dict):
        raise PortalError(_("The browser's notification subscription is not valid."))
    endpoint = info.get("endpoint")
    refusal = endpoint_refusal(endpoint) or _key_refusal(info["keys"].get("p256dh"), info["keys"].get("auth"))
    if refusal:
        raise PortalError(refusal)
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={
            "user": user,
            "p256dh": info["keys"]["p256dh"],
            "auth": info["keys"]["auth"],
            "device": str(device)[:200],
        },
    )
    return subscription


def push_subscription_delete(*, user: User, endpoint: str) -> bool:
    """Remove one of ``user``'s own subscriptions; another user's is not touched (False)."""
    deleted, _details = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return bool(deleted)


def push_preference_get(*, user: User) -> PushPreference:
    """The user's quiet hours (the defaults, unsaved, until they choose)."""
    return PushPreference.objects.filter(user=user).first() or PushPreference(user=user)


def push_preference_set(
    *, user: User, quiet_hours: bool, quiet_start: datetime.time, quiet_end: datetime.time
) -> PushPreference:
    preference = push_preference_get(user=user)
    preference.quiet_hours = quiet_hours
    preference.quiet_start = quiet_start
    preference.quiet_end = quiet_end
    preference.save()
    return preference


def quiet_until(preference: PushPreference, now: datetime.datetime) -> datetime.datetime | None:
    """The end of the quiet hours ``now`` falls in, or None when the user may be notified now."""
    start, end = preference.quiet_start, preference.quiet_end
    if not preference.quiet_hours or start == end:
        return None
    try:
        zone = zoneinfo.ZoneInfo(preference.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("Asia/Tokyo")
    local = now.astimezone(zone)
    moment = local.time().replace(tzinfo=None)
    inside = start <= moment < end if start < end else (moment >= start or moment < end)
    if not inside:
        return None
    day = local.date() if moment < end else local.date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, end, tzinfo=zone)


# --- starting -------------------------------------------------------------------------------------------------


def push_start(
    *,
    users: Iterable[User | int],
    title: str,
    body: str = "",
    url: str,
    urgency: str = PushMessage.Urgency.NORMAL,
    ttl: int = 86400,
    topic: str = "",
    emergency: bool = False,
    by: User,
    school=None,
    variants: Mapping[str, Mapping[str, str]] | None = None,
    languages: Mapping[int, str] | None = None,
) -> Job:
    """Notify ``users`` (a queryset, or Users or ids) on every device they subscribed (by email when they have
    none); returns the job the sender watches at ``/jobs/<id>/``.

    ``url`` is a path on the portal (opened when the notification is tapped). ``urgency`` and ``ttl`` (seconds the
    push service keeps it for a device that is offline) go to the push service; ``topic`` lets a later message
    replace this one while undelivered. Quiet hours defer it, unless ``emergency``. ``variants`` holds the title
    and body in other languages (``{"vi": {"title": ..., "body": ...}}``): a user receives the one of the language
    ``languages`` gives for them (user id -> language, e.g. the language a family reads notices in), else the one
    of their preferred language, else ``title`` and ``body``. The caller has asked the access policy whether
    ``by`` may notify these users.
    """
    if not isinstance(url, str) or not url.startswith("/") or url.startswith("//") or "\\" in url:
        raise PortalError(_("A notification links to a page of the portal."))
    if urgency not in PushMessage.Urgency.values:
        raise PortalError(_("Unknown urgency."))
    if not 0 <= int(ttl) <= MAX_TTL:
        raise PortalError(_("A notification is kept for at most 28 days."))
    if topic and not TOPIC_RE.match(topic):
        raise PortalError(_("A topic is up to 32 letters, digits, '-' or '_'."))
    if isinstance(users, QuerySet):  # a city's guardians: their ids only, not 160,000 User objects
        users = users.values_list("pk", flat=True)
    ids = sorted({user if isinstance(user, int) else user.pk for user in users})
    known = set(dict(settings.LANGUAGES)) - {settings.LANGUAGE_CODE}
    readers: dict[str, list[int]] = {}
    recipients = set(ids)
    for user_id, language in (languages or {}).items():
        if language in known and user_id in recipients:
            readers.setdefault(language, []).append(user_id)
    variants = {
        language: {
            "title": str(text["title"])[:200],
            "body": str(text.get("body", ""))[:1000],
            "users": sorted(readers.get(language, [])),
        }
        for language, text in (variants or {}).items()
        if language in known
    }
    message = PushMessage(
        sent_by=by,
        title=title[:200],
        body=body[:1000],
        url=url,
        urgency=urgency,
        ttl=int(ttl),
        topic=topic,
        emergency=emergency,
        recipient_ids=ids,
        variants=variants,
    )
    if any(
        len(json.dumps(payload_of(message, language)).encode()) > MAX_PAYLOAD_BYTES for language in (None, *variants)
    ):
        raise PortalError(_("The notification is too long."))
    message.save()
    job = jobs.job_start(
        task=push_message_task,
        kind="core.push",
        title=_("Notification: %(title)s") % {"title": title},
        by=by,
        school=school,
        total=len(ids),
        push_message_id=message.pk,
    )
    PushMessage.objects.filter(pk=message.pk).update(job=job)
    return job


def text_of(message: PushMessage, language: str | None) -> tuple[str, str]:
    """The title and body for a user whose preferred language is ``language`` (blank or None: the default)."""
    variant = message.variants.get(language or "") if message.variants else None
    if variant:
        return variant["title"], variant.get("body", "")
    return message.title, message.body


def chosen_languages(message: PushMessage) -> dict[int, str]:
    """User id → the variant the sender chose for them (``push_start``'s ``languages``); the others get the one of
    their preferred language."""
    return {user_id: language for language, text in message.variants.items() for user_id in text.get("users", ())}


def payload_of(message: PushMessage, language: str | None = None) -> dict[str, Any]:
    """What the service worker receives (``static/core/service-worker.js`` shows it), in ``language``."""
    title, body = text_of(message, language)
    return {
        "id": message.pk,
        "title": title,
        "body": body,
        "url": message.url,
        "tag": f"portal-{message.pk}",
        "emergency": message.emergency,
    }


# --- the tasks ------------------------------------------------------------------------------------------------


@task()
def push_message_task(push_message_id: int, job_id: int | None = None) -> str:
    """The job of one message: write its deliveries, start helpers, send with them, report until done."""
    if job_id is None:
        return push_drain_task.call(push_message_id)
    with jobs.job_running(job_id) as job:
        message = PushMessage.objects.filter(pk=push_message_id).first()
        if job is None or message is None:
            return "skipped"
        _plan(message, job)
        for _n in range(max(0, settings.PUSH_FANOUT_TASKS - 1)):
            push_drain_task.enqueue(push_message_id)
        while True:
            _drain(message, job=job)
            counts = _counts(message)
            _report(job, counts)
            if not counts["active"]:
                break
            time.sleep(0.2)
        _schedule_deferred(message)
        jobs.job_succeed(job=job, message=_summary(counts))
        return "done"


@task()
def push_drain_task(push_message_id: int, follow_up: bool = False) -> str:
    """A helper: send the message's due deliveries until none is left (any number may run at once). A
    ``follow_up`` (queued for when deferred deliveries fall due) queues the next one if more wait."""
    message = PushMessage.objects.filter(pk=push_message_id).first()
    if message is None:
        return "skipped"
    sent = _drain(message)
    if follow_up:
        _schedule_deferred(message)
    return f"{sent} sent"


def push_send_due() -> int:
    """Send every delivery now due (quiet hours over, retries due): ``manage.py push_send_due`` for a cron, when
    the task backend cannot run a task later."""
    total = 0
    due = PushDelivery.objects.filter(status=PushDelivery.Status.PENDING, not_before__lte=timezone.now())
    for message in PushMessage.objects.filter(pk__in=due.values("message_id")):
        total += _drain(message)
    return total


def _schedule_deferred(message: PushMessage) -> None:
    """Deliveries waiting for later (quiet hours, a retry minutes away): a task at the earliest one, where the
    backend can run a task later (else ``manage.py push_send_due`` from a timer)."""
    if not default_task_backend.supports_defer:
        return
    earliest = PushDelivery.objects.filter(
        message=message, status=PushDelivery.Status.PENDING, not_before__gt=timezone.now()
    ).aggregate(at=Min("not_before"))["at"]
    if earliest is not None:
        push_drain_task.using(run_after=earliest).enqueue(message.pk, follow_up=True)


# --- planning -------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _quick_commit() -> Iterator[None]:
    """A transaction whose commit does not wait for the disk (PostgreSQL ``synchronous_commit = off``).

    The fan-out writes a few rows per push (its claims and answers); waiting for the WAL to reach the disk at
    each of those commits was most of a worker's time (docs/benchmarks.md). What this risks is only a crash of
    PostgreSQL itself (not of a worker) losing the last fraction of a second of these writes: those deliveries
    are then sent again, exactly as after a worker killed mid-send, under the same ``Topic`` and tag."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def _insert_deliveries(
    message: PushMessage, user_ids: list[int], *, not_before: datetime.datetime, deferred: bool
) -> None:
    """One delivery per device of these users, and one by email for each of them with no device, written by the
    database itself (INSERT ... SELECT: a city's 160,000 rows are not built as Python objects); a re-run adds
    none (the unique constraints)."""
    if not user_ids:
        return
    delivery = PushDelivery._meta.db_table
    subscription = PushSubscription._meta.db_table
    user = User._meta.db_table
    if connection.vendor == "postgresql":
        among, ids = "= ANY(%s)", [list(user_ids)]
    else:
        among, ids = "IN (" + ", ".join(["%s"] * len(user_ids)) + ")", list(user_ids)
    columns = "message_id, user_id, subscription_id, channel, status, not_before, deferred, attempts, claimed_by, error"
    Status, Channel = PushDelivery.Status, PushDelivery.Channel
    at = connection.ops.adapt_datetimefield_value(not_before)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {delivery} ({columns}) "  # noqa: S608 - table names from the models, values as parameters
            f"SELECT %s, s.user_id, s.id, %s, %s, %s, %s, 0, '', '' FROM {subscription} s WHERE s.user_id {among} "
            "ON CONFLICT DO NOTHING",
            [message.pk, Channel.PUSH, Status.PENDING, at, deferred, *ids],
        )
        cursor.execute(
            f"INSERT INTO {delivery} ({columns}) "  # noqa: S608
            f"SELECT %s, u.id, NULL, %s, CASE WHEN u.email = '' THEN %s ELSE %s END, %s, %s, 0, '', '' "
            f"FROM {user} u WHERE u.id {among} "
            f"AND NOT EXISTS (SELECT 1 FROM {subscription} s WHERE s.user_id = u.id) ON CONFLICT DO NOTHING",
            [message.pk, Channel.EMAIL, Status.NO_ADDRESS, Status.PENDING, at, deferred, *ids],
        )


def _plan(message: PushMessage, job: Job) -> None:
    """One delivery per (message, device), or per (message, user) by email: idempotent (a re-run adds none).

    Quiet hours group the users by when they may be woken: everyone now (an emergency), or now and the end of the
    default quiet hours for those who never chose theirs, and each user's own end for those who did."""
    if message.planned:
        return
    ids = message.recipient_ids
    now = timezone.now()
    default_until = None if message.emergency else quiet_until(PushPreference(), now)
    for start in range(0, len(ids), PLAN_CHUNK):
        chunk = ids[start : start + PLAN_CHUNK]
        groups: dict[datetime.datetime | None, list[int]] = {}
        chosen = {} if message.emergency else {p.user_id: p for p in PushPreference.objects.filter(user_id__in=chunk)}
        for user_id in chunk:
            preference = chosen.get(user_id)
            until = default_until if preference is None else quiet_until(preference, now)
            groups.setdefault(until, []).append(user_id)
        with _quick_commit():
            for until, user_ids in groups.items():
                _insert_deliveries(message, user_ids, not_before=until or now, deferred=until is not None)
        jobs.job_progress(
            job=job,
            done=0,
            total=len(ids),
            message=_("Preparing: %(done)s of %(total)s recipients")
            % {
                "done": min(len(ids), start + PLAN_CHUNK),
                "total": len(ids),
            },
        )
    PushMessage.objects.filter(pk=message.pk).update(planned=True)
    message.planned = True


def _counts(message: PushMessage) -> dict[str, int]:
    rows = PushDelivery.objects.filter(message=message).values("status", "deferred", "channel")
    rows = rows.annotate(n=Count("pk")).order_by()
    names = ("total", "sent", "email", "gone", "failed", "no_address", "deferred", "retrying", "active")
    counts = dict.fromkeys(names, 0)
    for row in rows:
        counts["total"] += row["n"]
        status = row["status"]
        if status == PushDelivery.Status.SENT:
            counts["email" if row["channel"] == PushDelivery.Channel.EMAIL else "sent"] += row["n"]
        elif status == PushDelivery.Status.GONE:
            counts["gone"] += row["n"]
        elif status == PushDelivery.Status.FAILED:
            counts["failed"] += row["n"]
        elif status == PushDelivery.Status.NO_ADDRESS:
            counts["no_address"] += row["n"]
        elif row["deferred"]:
            counts["deferred"] += row["n"]
        else:
            counts["active"] += row["n"]
    if counts["active"]:
        # A retry minutes away does not keep the job (and a worker) waiting: a task is queued for it.
        later = timezone.now() + datetime.timedelta(seconds=RETRY_WAIT_IN_JOB)
        counts["retrying"] = PushDelivery.objects.filter(
            message=message, status=PushDelivery.Status.PENDING, deferred=False, not_before__gt=later
        ).count()
        counts["active"] -= counts["retrying"]
    return counts


def _report(job: Job, counts: dict[str, int]) -> None:
    done = counts["total"] - counts["active"]
    jobs.job_progress(job=job, done=done, total=counts["total"], message=_summary(counts))


def _summary(counts: dict[str, int]) -> str:
    parts = [_("%(n)s pushed") % {"n": counts["sent"]}, _("%(n)s by email") % {"n": counts["email"]}]
    if counts["deferred"]:
        parts.append(_("%(n)s after quiet hours") % {"n": counts["deferred"]})
    if counts["retrying"]:
        parts.append(_("%(n)s to be tried again") % {"n": counts["retrying"]})
    if counts["gone"]:
        parts.append(_("%(n)s devices gone") % {"n": counts["gone"]})
    if counts["failed"] or counts["no_address"]:
        parts.append(_("%(n)s not reached") % {"n": counts["failed"] + counts["no_address"]})
    return ", ".join(parts)


# --- sending --------------------------------------------------------------------------------------------------


@dataclass
class _Outcome:
    pk: int
    status: str  # sent, gone, failed, retry
    error: str = ""
    subscription_id: int | None = None


def _send_push(pk: int, subscription_id: int, info: dict, data: bytes, message: dict[str, Any]) -> _Outcome:
    endpoint = info["endpoint"]
    refusal = endpoint_refusal(endpoint)  # again: the name may resolve elsewhere now
    if refusal:
        return _Outcome(pk, "gone", "refused: " + refusal[:150], subscription_id)
    try:
        body = push_crypto.push_encrypt(data, p256dh=info["keys"]["p256dh"], auth=info["keys"]["auth"])
    except (ValueError, TypeError, binascii.Error) as error:  # a key the encryption refuses
        return _Outcome(pk, "failed", f"keys: {type(error).__name__}"[:200])
    headers = {
        **_vapid_authorization(endpoint),
        "TTL": str(message["ttl"]),
        "Urgency": message["urgency"],
        "Topic": message["topic"],
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
    }
    try:
        code = push_crypto.push_post(endpoint, body, headers, timeout=settings.PUSH_TIMEOUT_SECONDS)
    except TimeoutError:
        return _Outcome(pk, "retry", "timed out")
    except (OSError, http.client.HTTPException) as error:
        return _Outcome(pk, "retry", f"connection: {type(error).__name__}")
    if code in (200, 201, 202):
        return _Outcome(pk, "sent")
    if code in (404, 410):
        return _Outcome(pk, "gone", f"HTTP {code}", subscription_id)
    if code == 429 or code >= 500:
        return _Outcome(pk, "retry", f"HTTP {code}")
    return _Outcome(pk, "failed", f"HTTP {code}")


def _claim(message: PushMessage) -> tuple[str, list[int]]:
    token = f"{jobs._worker_identity or jobs.worker_identity()}/{uuid.uuid4().hex[:12]}"
    now = timezone.now()
    with _quick_commit():
        due = PushDelivery.objects.filter(message=message, status=PushDelivery.Status.PENDING, not_before__lte=now)
        ids = list(
            due.select_for_update(skip_locked=True)
            .order_by("pk")
            .values_list("pk", flat=True)[: settings.PUSH_BATCH_SIZE]
        )
        if ids:
            PushDelivery.objects.filter(pk__in=ids, status=PushDelivery.Status.PENDING).update(
                status=PushDelivery.Status.SENDING,
                claimed_by=token,
                claimed_at=now,
                deferred=False,
                attempts=F("attempts") + 1,
            )
    return token, ids


def _release_abandoned(message: PushMessage) -> int:
    """Deliveries claimed by a worker that is gone (its process, or silent past the lease) are due again."""
    lease = timezone.now() - datetime.timedelta(seconds=settings.PUSH_CLAIM_LEASE_SECONDS)
    sending = PushDelivery.objects.filter(message=message, status=PushDelivery.Status.SENDING)
    abandoned = []
    for claimed_by in sending.values_list("claimed_by", flat=True).distinct():
        worker = claimed_by.split("/")[0]
        host, _sep, pid = worker.rpartition(":")
        if host == socket.gethostname() and pid.isdigit() and not jobs._process_alive(int(pid)):
            abandoned.append(claimed_by)
    stale = Q(claimed_by__in=abandoned) | Q(claimed_at__lt=lease)
    return sending.filter(stale).update(status=PushDelivery.Status.PENDING, claimed_by="", not_before=timezone.now())


def _due_rows(token: str, ids: list[int]) -> list[tuple]:
    """The claimed deliveries, as plain rows (no model objects: a city's worth of them is CPU)."""
    rows = PushDelivery.objects.filter(pk__in=ids, claimed_by=token, status=PushDelivery.Status.SENDING)
    return list(
        rows.values_list(
            "pk", "channel", "user_id", "subscription_id", "subscription__endpoint", "subscription__p256dh",
            "subscription__auth", "user__preferred_language",
        )
    )  # fmt: skip


def _drain(message: PushMessage, *, job: Job | None = None) -> int:
    """Claim and send due deliveries until none is due; returns how many were sent.

    At most ``PUSH_SEND_THREADS`` requests are handed to the threads at a time and answers are written before
    ``RECORD_GROUP`` of them wait, so a worker killed at any moment leaves at most ``PUSH_SEND_THREADS`` +
    ``RECORD_GROUP`` pushes sent but not recorded (sent again: the same Topic and tag). The next batch is
    claimed as soon as the current one is all handed out, while its last requests are in flight."""
    _release_abandoned(message)
    data = {
        language: json.dumps(payload_of(message, language), ensure_ascii=False).encode()
        for language in ("", *message.variants)
    }
    chosen = chosen_languages(message)
    meta = {"urgency": message.urgency, "topic": message.topic or f"portal-{message.pk}", "ttl": message.ttl}
    threads = max(1, settings.PUSH_SEND_THREADS)
    flush_at = max(1, RECORD_GROUP - threads)
    sent = 0
    last_report = 0.0
    waiting: collections.deque = collections.deque()  # claimed, not yet handed to a thread
    pending: set[concurrent.futures.Future] = set()
    outcomes: list[_Outcome] = []
    exhausted = False
    flushed_at = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
        while True:
            if not waiting and (not exhausted or not pending):
                token, ids = _claim(message)
                exhausted = not ids
                if exhausted and not pending:
                    break
                emails = []
                for pk, channel, user_id, subscription_id, endpoint, p256dh, auth, language in _due_rows(token, ids):
                    if channel == PushDelivery.Channel.EMAIL:
                        emails.append((pk, user_id))
                    elif subscription_id is None:  # removed since: nothing to send to
                        outcomes.append(_Outcome(pk, "gone", "unsubscribed"))
                    else:
                        info = {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}
                        payload = data.get(chosen.get(user_id, language)) or data[""]
                        waiting.append((pk, subscription_id, info, payload))
                outcomes += _send_emails(message, emails)
            while waiting and len(pending) < threads:
                pk, subscription_id, info, payload = waiting.popleft()
                pending.add(pool.submit(_send_push, pk, subscription_id, info, payload, meta))
            if pending:
                done, pending = concurrent.futures.wait(
                    pending, timeout=0.05, return_when=concurrent.futures.FIRST_COMPLETED
                )
                outcomes += [future.result() for future in done]
            if len(outcomes) >= flush_at or (outcomes and time.monotonic() - flushed_at > 0.05):
                sent += _record(outcomes)
                outcomes, flushed_at = [], time.monotonic()
            if job is not None and time.monotonic() - last_report > 0.5:
                _report(job, _counts(message))
                last_report = time.monotonic()
    sent += _record(outcomes)
    return sent


def email_of(message: PushMessage, user: User, *, chosen: str | None = None) -> EmailMessage:
    """The email for a user with no device: plain text in the language chosen for them (``chosen_languages``),
    else their own, the link to open."""
    link = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + message.url
    language = chosen or user.preferred_language or settings.LANGUAGE_CODE
    title, text = text_of(message, language)
    with translation.override(language):
        lines = [title, text, _("Open it on the portal: %(link)s") % {"link": link}]
        lines.append(
            _(
                "You receive this by email because no phone or browser of yours has notifications from the "
                "portal turned on. Turn them on on your account page to receive them there instead."
            )
        )
    body = "\n\n".join(line for line in lines if line)
    return EmailMessage(subject=title, body=body, to=[user.email])


def _send_emails(message: PushMessage, deliveries: list[tuple[int, int]]) -> list[_Outcome]:
    """Send the emails of (delivery, user) pairs; their outcomes."""
    if not deliveries:
        return []
    users = User.objects.in_bulk([user_id for _pk, user_id in deliveries])
    chosen = chosen_languages(message)
    outcomes = []
    with get_connection() as mail:
        for pk, user_id in deliveries:
            try:
                mail.send_messages([email_of(message, users[user_id], chosen=chosen.get(user_id))])
            except Exception as error:  # SMTP: tried again like a push service that failed
                outcomes.append(_Outcome(pk, "retry", f"email: {type(error).__name__}"))
            else:
                outcomes.append(_Outcome(pk, "sent"))
    return outcomes


def _record(outcomes: list[_Outcome]) -> int:
    """Write what the push services answered: a few queries for a group of answers."""
    if not outcomes:
        return 0
    with _quick_commit():
        return _record_now(outcomes)


def _record_now(outcomes: list[_Outcome]) -> int:
    now = timezone.now()
    by_status: dict[str, list[int]] = {}
    for outcome in outcomes:
        by_status.setdefault(outcome.status, []).append(outcome.pk)
    sending = PushDelivery.objects.filter(status=PushDelivery.Status.SENDING)
    if by_status.get("sent"):
        sending.filter(pk__in=by_status["sent"]).update(status=PushDelivery.Status.SENT, sent_at=now, error="")
    for outcome in outcomes:
        if outcome.status == "gone":
            sending.filter(pk=outcome.pk).update(status=PushDelivery.Status.GONE, error=outcome.error)
            if outcome.subscription_id:
                PushSubscription.objects.filter(pk=outcome.subscription_id).delete()
        elif outcome.status == "failed":
            sending.filter(pk=outcome.pk).update(status=PushDelivery.Status.FAILED, error=outcome.error)
        elif outcome.status == "retry":
            _retry(outcome, now)
    return len(by_status.get("sent", []))


def _retry(outcome: _Outcome, now: datetime.datetime) -> None:
    delivery = PushDelivery.objects.filter(pk=outcome.pk).only("attempts").first()
    if delivery is None:
        return
    waits = settings.PUSH_RETRY_SECONDS
    row = PushDelivery.objects.filter(pk=outcome.pk, status=PushDelivery.Status.SENDING)
    if delivery.attempts > len(waits):
        row.update(status=PushDelivery.Status.FAILED, error=f"gave up: {outcome.error}")
        return
    wait = datetime.timedelta(seconds=waits[delivery.attempts - 1])
    row.update(status=PushDelivery.Status.PENDING, claimed_by="", not_before=now + wait, error=outcome.error)
