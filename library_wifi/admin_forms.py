"""The gateway form of the Wagtail admin: secrets are written, never shown back.

A secret field renders empty (``render_value=False``) and says whether a value is set; leaving it empty keeps the
stored value, so editing the library or the hosts does not need the secret again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .models import Gateway

SECRET_FIELDS = ("secret", "login_password")


class GatewayForm(WagtailAdminModelForm):
    secret = forms.CharField(
        label=_("shared secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("openNDS faskey, CoovaChilli uamsecret or the UniFi controller password. Never shown again."),
    )
    login_password = forms.CharField(
        label=_("login password"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Never shown again."),
    )

    controller_url = forms.URLField(label=_("UniFi controller address"), required=False, assume_scheme="https")

    class Meta:
        model = Gateway
        fields = [
            "library",
            "name",
            "kind",
            "key",
            "is_active",
            "allowed_hosts",
            "opennds_level",
            "opennds_gateway_name",
            "secret",
            "login_username",
            "login_password",
            "controller_url",
            "controller_site",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in SECRET_FIELDS:
            self.initial[name] = ""
            if self.instance.pk and getattr(self.instance, name):
                self.fields[name].help_text = _("A value is set; leave empty to keep it.")

    def clean(self) -> dict:
        cleaned = super().clean()
        for name in SECRET_FIELDS:
            if not cleaned.get(name) and self.instance.pk:
                cleaned[name] = Gateway.objects.filter(pk=self.instance.pk).values_list(name, flat=True).first() or ""
        kind = cleaned.get("kind")
        if kind in {Gateway.Kind.OPENNDS, Gateway.Kind.COOVA} and not cleaned.get("secret"):
            self.add_error("secret", _("This kind of gateway needs its shared secret."))
        if kind == Gateway.Kind.UNIFI and not cleaned.get("controller_url"):
            self.add_error("controller_url", _("A UniFi gateway needs its controller's address."))
        return cleaned
