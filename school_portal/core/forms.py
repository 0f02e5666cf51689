"""Sign-in and invitation forms. Error messages are for a parent or a child: plain and translatable."""

from __future__ import annotations

import math
from urllib.parse import urlencode

from django import forms
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm

from .models import School, User


def locked_message(retry_after: int) -> str:
    """What a person slowed down by the sign-in throttle reads: exactly when to try again."""
    if retry_after < 120:
        return ngettext(
            "Too many failed attempts. Try again in %(count)d second.",
            "Too many failed attempts. Try again in %(count)d seconds.",
            retry_after,
        ) % {"count": retry_after}
    minutes = math.ceil(retry_after / 60)
    return ngettext(
        "Too many failed attempts. Try again in %(count)d minute.",
        "Too many failed attempts. Try again in %(count)d minutes.",
        minutes,
    ) % {"count": minutes}


class LockedMessageMixin:
    """A sign-in form telling the person plainly when the throttle asks them to wait, and how long."""

    request: object

    def clean(self) -> dict:
        try:
            return super().clean()
        except forms.ValidationError:
            retry_after = getattr(self.request, "signin_retry_after", None)
            if retry_after is not None:
                raise forms.ValidationError(locked_message(retry_after), code="locked") from None
            raise


class ThrottledAuthenticationForm(LockedMessageMixin, AuthenticationForm):
    """Django's sign-in form (guardians and staff at /accounts/login/)."""


class ThrottledWagtailLoginForm(LockedMessageMixin, WagtailLoginForm):
    """Wagtail's admin sign-in form (settings.WAGTAILADMIN_USER_LOGIN_FORM), with the same plain lock message."""


class StudentSignInForm(forms.Form):
    class_code = forms.CharField(label=_("Class code"), max_length=12)
    badge_code = forms.CharField(label=_("Badge code"), max_length=20, help_text=_("Scan your badge or type its code."))

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)
        for name in ("class_code", "badge_code"):
            self.fields[name].widget.attrs.update(
                {"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false", "inputmode": "text"}
            )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        self.user = authenticate(self.request, class_code=data["class_code"], badge_code=data["badge_code"])
        if self.user is None:
            retry_after = getattr(self.request, "signin_retry_after", None)
            if retry_after is not None:
                raise forms.ValidationError(locked_message(retry_after), code="locked")
            raise forms.ValidationError(
                _("The class code and the badge do not match. Check both, or ask your teacher."), code="invalid"
            )
        return data


class InvitationCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Invitation code"),
        max_length=20,
        help_text=_("The code on the letter from the school, e.g. ABCD-EFGH-JKLM"),
    )


class GuardianRegistrationForm(InvitationCodeForm):
    display_name = forms.CharField(label=_("Your name"), max_length=100)
    username = forms.RegexField(
        label=_("Sign-in name"),
        max_length=60,
        regex=r"^[A-Za-z0-9_.@+-]{4,60}$",
        help_text=_("4 or more letters, digits or . @ + - _"),
        error_messages={"invalid": _("Use 4 or more letters, digits or . @ + - _")},
    )
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(
        label=_("Password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords are different."))
        elif data.get("password1"):
            # An unsaved user, so the validators can refuse a password too like the chosen name.
            candidate = User(username=data.get("username", ""), display_name=data.get("display_name", ""))
            try:
                password_validation.validate_password(data["password1"], candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class SchoolFinderForm(forms.Form):
    """The city portal's school finder: a part of a school's name, a ward, a kind; each may be left blank."""

    q = forms.CharField(label=_("School name"), max_length=50, required=False)
    ward = forms.ChoiceField(label=_("Ward"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)

    def __init__(self, *args, wards: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ward_names = [name for name in wards if name]
        self.fields["ward"].choices = [("", _("Every ward")), *[(name, name) for name in self.ward_names]]
        self.fields["kind"].choices = [("", _("Every kind")), *School.Kind.choices]

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())

    def query_string(self) -> str:
        """The valid search as a query string, for the links to the other pages of the results."""
        return urlencode({name: self.cleaned_data[name] for name in ("q", "ward", "kind") if self.cleaned_data[name]})
