"""People and their roles: every account is a User; what it may do comes from its role assignments."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from .schools import CLASS_CODE_ALPHABET, ClassGroup, Library, School, SchoolYear


def new_badge_code() -> str:
    return "".join(secrets.choice(CLASS_CODE_ALPHABET) for _ in range(8))


class User(AbstractUser):
    """Any account: staff sign in with a password, students with a badge, guardians after an invitation."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    # Chosen on the language switch (or brought along when signing in): it follows the person to every host.
    # Blank: never chosen, the browser's language applies.
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.PORTAL_UI_LANGUAGES, blank=True, default=""
    )

    # Raised by "sign out of every device": part of the session hash, so every session made before ends.
    session_generation = models.PositiveIntegerField(_("session generation"), default=0, editable=False)

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django's hash of the password, with the session generation once raised: whichever changes ends every
        session (Django's AuthenticationMiddleware compares it on each request, whatever the session engine)."""
        if not self.session_generation:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "school_portal.core.User.get_session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class Role(models.TextChoices):
    TEACHER = "teacher", _("Teacher")
    SCHOOL_ADMIN = "school_admin", _("School administrator")
    CENTRE_STAFF = "centre_staff", _("Education-centre staff")
    LIBRARIAN = "librarian", _("Librarian")
    PARTNER_TEACHER = "partner_teacher", _("Partner teacher abroad")
    STUDENT = "student", _("Student")
    GUARDIAN = "guardian", _("Guardian")


class RoleAssignment(models.Model):
    """A staff role, scoped to a school (teacher, school admin) or a library (librarian) where it applies."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.CASCADE, related_name="staff")
    library = models.ForeignKey(Library, null=True, blank=True, on_delete=models.CASCADE, related_name="staff")

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "school", "library"],
                name="unique_role_assignment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} {self.school or self.library or ''}".strip()


class Teaching(models.Model):
    """A teacher teaches a class group (homeroom or subject teacher)."""

    teacher = models.ForeignKey(User, on_delete=models.CASCADE, related_name="teachings")
    class_group = models.ForeignKey(ClassGroup, on_delete=models.CASCADE, related_name="teachings")
    is_homeroom = models.BooleanField(_("homeroom teacher"), default=False)

    class Meta:
        verbose_name = _("teaching")
        verbose_name_plural = _("teachings")
        constraints = [models.UniqueConstraint(fields=["teacher", "class_group"], name="unique_teaching")]

    def __str__(self) -> str:
        return f"{self.teacher} – {self.class_group}"


class Student(models.Model):
    """A child. Personal data: visible only as the access policy says."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="student")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="students")
    sourced_id = models.CharField(_("student ID"), max_length=64, unique=True)
    family_name = models.CharField(_("family name"), max_length=50)
    given_name = models.CharField(_("given name"), max_length=50)
    family_name_kana = models.CharField(_("family name (kana)"), max_length=50, blank=True)
    given_name_kana = models.CharField(_("given name (kana)"), max_length=50, blank=True)
    badge_code = models.CharField(_("badge code"), max_length=16, unique=True, default=new_badge_code)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        ordering = ["school", "family_name_kana", "given_name_kana"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}"

    @property
    def full_name_kana(self) -> str:
        return f"{self.family_name_kana} {self.given_name_kana}".strip()


class Enrollment(models.Model):
    """A student's place in one class group; one class per school year."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="enrollments")
    class_group = models.ForeignKey(ClassGroup, on_delete=models.CASCADE, related_name="enrollments")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField(_("attendance number"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["class_group", "number"]
        constraints = [
            models.UniqueConstraint(fields=["student", "school_year"], name="one_class_per_school_year"),
        ]

    def __str__(self) -> str:
        return f"{self.student} – {self.class_group}"

    def save(self, *args, **kwargs) -> None:
        self.school_year_id = self.class_group.school_year_id
        super().save(*args, **kwargs)


class Guardian(models.Model):
    """A parent or guardian: one account for all their children, in whichever schools."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="guardian")
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    wants_paper_copy = models.BooleanField(
        _("wants a printed copy"), default=False, help_text=_("No smartphone: send notices home on paper.")
    )
    children = models.ManyToManyField(Student, through="GuardianLink", related_name="guardians")

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")

    def __str__(self) -> str:
        return str(self.user)


class GuardianLink(models.Model):
    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="links")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="guardian_links")
    relationship = models.CharField(_("relationship"), max_length=30, blank=True)
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["guardian", "student"], name="unique_guardian_link")]

    def __str__(self) -> str:
        return f"{self.guardian} – {self.student}"


class PartnerTeacher(models.Model):
    """A teacher at a partner school abroad: sees exchange sessions only, never a child's personal data."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="partner_teacher")
    institution = models.CharField(_("school abroad"), max_length=150)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code"))

    class Meta:
        verbose_name = _("partner teacher")
        verbose_name_plural = _("partner teachers")

    def __str__(self) -> str:
        return f"{self.user} ({self.institution})"


class GuardianInvitation(models.Model):
    """A one-time code on a printed letter that links a guardian's account to one child."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="invitations")
    code_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(Guardian, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Set when a newer letter replaced this code, or when the school cancelled it: a revoked code links nobody.
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("guardian invitation")
        verbose_name_plural = _("guardian invitations")

    def __str__(self) -> str:
        return f"{self.student} ({self.created_at:%Y-%m-%d})"
