"""Records kept for security: a bounded log of sign-in failures, for the throttle and for audit."""

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
