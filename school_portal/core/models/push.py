"""Web Push: a user's devices (subscriptions), their quiet hours, and each message's deliveries
(``school_portal/core/push.py`` is the service; docs/plugins.md "Push to a user's devices")."""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PushSubscription(models.Model):
    """One browser on one device that agreed to receive notifications for its signed-in user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions", verbose_name=_("user")
    )
    # The push service's URL for this browser: a capability held by the browser, unique across the portal.
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(max_length=100)  # the browser's P-256 public key (base64url, 65 bytes)
    auth = models.CharField(max_length=40)  # the browser's authentication secret (base64url, 16 bytes)
    device = models.CharField(_("device"), max_length=200, blank=True)  # the browser's own description
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return self.device or self.endpoint[:60]

    def as_info(self) -> dict:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


def default_quiet_start() -> datetime.time:
    return datetime.time(21, 0)


def default_quiet_end() -> datetime.time:
    return datetime.time(7, 0)


class PushPreference(models.Model):
    """When a user does not want to be woken: pushes (other than emergencies) wait until the quiet hours end."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_preference")
    quiet_hours = models.BooleanField(_("quiet hours"), default=True)
    quiet_start = models.TimeField(_("quiet from"), default=default_quiet_start)
    quiet_end = models.TimeField(_("quiet until"), default=default_quiet_end)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Tokyo")

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.quiet_start:%H:%M}-{self.quiet_end:%H:%M}"


class PushMessage(models.Model):
    """One notification sent to many users: what it says, where tapping it leads, how urgent it is."""

    class Urgency(models.TextChoices):
        VERY_LOW = "very-low", _("Very low")
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")

    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    body = models.CharField(_("text"), max_length=1000, blank=True)
    url = models.CharField(_("link"), max_length=500)
    topic = models.CharField(max_length=32, blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    ttl = models.PositiveIntegerField(default=86400)
    emergency = models.BooleanField(default=False)
    # The same message in other languages, {"en": {"title": ..., "body": ...}}: a user whose preferred language
    # is one of them receives it so; everyone else the title and body above (the portal's default language).
    variants = models.JSONField(default=dict, blank=True)
    # Who it is for, until the deliveries are written (by the job's task, not in the sender's request).
    recipient_ids = models.JSONField(default=list)
    planned = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("push message")
        verbose_name_plural = _("push messages")

    def __str__(self) -> str:
        return self.title


class PushDelivery(models.Model):
    """One message to one device (or, for a user with none, by email): written once, so a re-run skips it."""

    class Channel(models.TextChoices):
        PUSH = "push", _("Push")
        EMAIL = "email", _("Email")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        GONE = "gone", _("Device gone")
        FAILED = "failed", _("Failed")
        NO_ADDRESS = "no-address", _("No device and no email address")

    message = models.ForeignKey(PushMessage, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    subscription = models.ForeignKey(PushSubscription, null=True, blank=True, on_delete=models.SET_NULL)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.PUSH)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    not_before = models.DateTimeField()  # quiet hours and retries: not sent before
    deferred = models.BooleanField(default=False)  # waiting for the end of the user's quiet hours
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=200, blank=True)  # the worker ("host:pid") sending it now
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("push delivery")
        verbose_name_plural = _("push deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["message", "subscription"],
                condition=models.Q(subscription__isnull=False),
                name="core_push_delivery_once_per_device",
            ),
            models.UniqueConstraint(
                fields=["message", "user"],
                condition=models.Q(channel="email"),
                name="core_push_delivery_once_per_email",
            ),
        ]
        indexes = [models.Index(fields=["message", "status", "not_before"], name="core_push_delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.message_id}/{self.pk}"
