"""Records kept for security: a bounded log of sign-in failures (audit), and the throttle's counters."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SignInFailure(models.Model):
    """One failed sign-in. Keeps no password and no raw IP: a salted digest of the client identifies it."""

    path = models.CharField(max_length=30)
    client_digest = models.CharField(max_length=64, db_index=True)
    account_digest = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("sign-in failure")
        verbose_name_plural = _("sign-in failures")

    def __str__(self) -> str:
        return f"{self.path} {self.at:%Y-%m-%d %H:%M}"


class SignInCounter(models.Model):
    """Attempts counted against one key of a sign-in door (an account and address pair, an address, a class code
    and tablet pair), and until when the next attempt must wait. One row per key, locked while it is counted
    (``school_portal/core/throttle.py``), so that parallel requests cannot all read the same count."""

    key = models.CharField(max_length=100, unique=True)
    attempts = models.PositiveIntegerField(default=0)
    last_at = models.DateTimeField(null=True, blank=True)
    blocked_until = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("sign-in counter")
        verbose_name_plural = _("sign-in counters")

    def __str__(self) -> str:
        return f"{self.key[:12]} {self.attempts}"


class SignInHandoff(models.Model):
    """A one-time pass carrying a sign-in from the city portal to one school's site (``core/handoff.py``).

    Only a digest of the pass is kept; it is good once, for one host, for ``SIGNIN_HANDOFF_SECONDS``."""

    digest = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey("core.User", on_delete=models.CASCADE, related_name="+")
    host = models.CharField(max_length=255)
    signin_id = models.CharField(max_length=64)
    # The second factor the portal's session was verified with (django-otp's persistent id), carried over.
    otp_device = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("sign-in hand-off")
        verbose_name_plural = _("sign-in hand-offs")

    def __str__(self) -> str:
        return f"{self.host} {self.created_at:%Y-%m-%d %H:%M}"


class LinkedSession(models.Model):
    """One session of one sign-in: the portal's and those its hand-offs opened on school sites, so that signing
    out on any of them ends them all."""

    signin_id = models.CharField(max_length=64, db_index=True)
    session_key = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("linked session")
        verbose_name_plural = _("linked sessions")

    def __str__(self) -> str:
        return f"{self.signin_id[:8]} {self.created_at:%Y-%m-%d %H:%M}"
