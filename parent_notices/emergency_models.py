"""The board's emergency notices: who proposed and who confirmed the sending (two people), and the visible
corrections made after it was sent. Kept apart from ``models.py`` (imported at its end) so that the plug-in's
emergency mode reads in one place."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CORRECTION_MAX = 1000


class EmergencySend(models.Model):
    """The sending of one emergency notice: proposed by a board member, confirmed by another (never the same one;
    the database refuses it too)."""

    notice = models.OneToOneField("parent_notices.Notice", on_delete=models.CASCADE, related_name="emergency")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(confirmed_by=F("proposed_by")), name="emergency_confirmed_by_a_second_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} proposed by {self.proposed_by_id}"

    @property
    def sent(self) -> bool:
        return self.confirmed_at is not None


class NoticeCorrection(models.Model):
    """A correction of a sent notice, shown on it with its time (the notice's text itself is not edited)."""

    notice = models.ForeignKey("parent_notices.Notice", on_delete=models.CASCADE, related_name="corrections")
    text = models.TextField(_("correction"), max_length=CORRECTION_MAX)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(_("corrected at"), default=timezone.now)

    class Meta:
        ordering = ["made_at", "pk"]

    def __str__(self) -> str:
        return f"{self.notice_id} corrected at {self.made_at:%Y-%m-%d %H:%M}"
