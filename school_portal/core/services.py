"""Writes that matter, as typed keyword-only functions. Views, forms, commands and tasks call these."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page, Site

from .models import (
    City,
    ClassGroup,
    Guardian,
    GuardianInvitation,
    GuardianLink,
    Role,
    RoleAssignment,
    School,
    SchoolHomePage,
    SchoolYear,
    Student,
    User,
)
from .models.people import new_badge_code
from .models.schools import CLASS_CODE_ALPHABET

EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]
ADMIN_PAGE_PERMISSIONS = [*EDITOR_PAGE_PERMISSIONS, "delete_page", "lock_page", "unlock_page"]
COLLECTION_PERMISSIONS = [
    "add_image",
    "change_image",
    "choose_image",
    "add_document",
    "change_document",
    "choose_document",
]


class PortalError(Exception):
    """A refusal with a message meant for the person who asked (already translated)."""


# --- schools and their Wagtail sites ---------------------------------------------------------------------


def school_year_ensure(*, city: City, start_year: int) -> SchoolYear:
    year, _created = SchoolYear.objects.get_or_create(
        city=city,
        start_year=start_year,
        defaults={
            "starts_on": datetime.date(start_year, 4, 1),
            "ends_on": datetime.date(start_year + 1, 3, 31),
        },
    )
    return year


def _group(name: str) -> Group:
    group, _created = Group.objects.get_or_create(name=name)
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    return group


def editors_group(school: School) -> Group:
    return Group.objects.get(name=f"{school.code} editors")


def admins_group(school: School) -> Group:
    return Group.objects.get(name=f"{school.code} administrators")


@transaction.atomic
def school_create(
    *,
    city: City,
    name: str,
    kind: str,
    code: str,
    slug: str,
    ward: str = "",
    name_en: str = "",
    hostname: str | None = None,
    port: int = 80,
) -> School:
    """A school with its own Wagtail Site, home page, media collection and editor groups. Idempotent by code."""
    school, _created = School.objects.update_or_create(
        code=code,
        defaults={"city": city, "name": name, "kind": kind, "slug": slug, "ward": ward, "name_en": name_en},
    )
    root = Page.get_first_root_node()
    home = SchoolHomePage.objects.filter(school=school).first()
    if home is None:
        home = root.add_child(instance=SchoolHomePage(title=name, slug=slug, school=school))
    site, _created = Site.objects.update_or_create(
        root_page=home,
        defaults={"hostname": hostname or f"{slug}.localhost", "port": port, "site_name": name},
    )
    if school.collection is None:
        school.collection = Collection.get_first_root_node().add_child(name=name)
    school.site = site
    school.save(update_fields=["site", "collection"])

    for group, page_perms in (
        (_group(f"{code} editors"), EDITOR_PAGE_PERMISSIONS),
        (_group(f"{code} administrators"), ADMIN_PAGE_PERMISSIONS),
    ):
        for codename in page_perms:
            GroupPagePermission.objects.get_or_create(
                group=group,
                page=home,
                permission=Permission.objects.get(content_type__app_label="wagtailcore", codename=codename),
            )
        for codename in COLLECTION_PERMISSIONS:
            GroupCollectionPermission.objects.get_or_create(
                group=group,
                collection=school.collection,
                permission=Permission.objects.get(codename=codename),
            )
    return school


def city_portal_ensure(*, city: City, port: int = 80) -> Site:
    """The board of education's portal as the default Site (it answers on every host no school claims)."""
    from .models import CityHomePage

    root = Page.get_first_root_node()
    home = CityHomePage.objects.first()
    if home is None:
        home = root.add_child(instance=CityHomePage(title=city.name, slug=f"{city.slug}-portal"))
    Site.objects.filter(is_default_site=True).exclude(root_page=home).update(is_default_site=False)
    site, _created = Site.objects.update_or_create(
        root_page=home,
        defaults={"hostname": "localhost", "port": port, "site_name": city.name, "is_default_site": True},
    )
    # Wagtail's own welcome page has no place in the city's tree.
    Page.objects.filter(depth=2, content_type__model="page", content_type__app_label="wagtailcore").delete()
    return site


def class_group_ensure(*, school: School, school_year: SchoolYear, grade: int, name: str) -> ClassGroup:
    if not 1 <= grade <= school.max_grade:
        raise PortalError(_("Grade %(grade)s does not exist at %(school)s.") % {"grade": grade, "school": school})
    group, _created = ClassGroup.objects.get_or_create(school=school, school_year=school_year, grade=grade, name=name)
    return group


# --- people ----------------------------------------------------------------------------------------------


def role_assign(*, user: User, role: str, school: School | None = None, library=None) -> RoleAssignment:
    """Give a staff role; teachers and school admins join their school's Wagtail editor groups."""
    assignment, _created = RoleAssignment.objects.get_or_create(user=user, role=role, school=school, library=library)
    if role == Role.TEACHER and school:
        user.groups.add(editors_group(school))
    elif role == Role.SCHOOL_ADMIN and school:
        user.groups.add(admins_group(school))
    return assignment


def student_badge_reset(*, student: Student) -> str:
    """A new badge code: the old printed badge stops working at once."""
    student.badge_code = new_badge_code()
    student.save(update_fields=["badge_code"])
    return student.badge_code


def student_username(sourced_id: str) -> str:
    return f"s-{sourced_id}".lower()[:150]


# --- guardians -------------------------------------------------------------------------------------------


def _invitation_digest(code: str) -> str:
    normalised = code.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(f"{settings.SECRET_KEY}:{normalised}".encode()).hexdigest()


def format_invitation_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def guardian_invitation_issue(*, student: Student) -> str:
    """A new one-time code for one child's letter. Only its digest is stored; earlier unused codes stay valid."""
    code = "".join(secrets.choice(CLASS_CODE_ALPHABET) for _ in range(12))
    GuardianInvitation.objects.create(
        student=student,
        code_digest=_invitation_digest(code),
        expires_at=timezone.now() + datetime.timedelta(days=settings.GUARDIAN_INVITATION_DAYS),
    )
    return format_invitation_code(code)


@transaction.atomic
def guardian_invitation_redeem(*, code: str, user: User, relationship: str = "") -> Student:
    """Link ``user`` (made a guardian if not yet) to the child on the letter. The code works once."""
    invitation = (
        GuardianInvitation.objects.select_for_update()
        .select_related("student")
        .filter(code_digest=_invitation_digest(code))
    ).first()
    if invitation is None:
        raise PortalError(_("This invitation code is not valid. Check the letter from the school."))
    if invitation.used_at is not None:
        raise PortalError(_("This invitation code has already been used. Ask the school for a new letter."))
    if invitation.expires_at < timezone.now():
        raise PortalError(_("This invitation code has expired. Ask the school for a new letter."))
    if hasattr(user, "student"):
        raise PortalError(_("A student account cannot be linked as a guardian."))
    guardian, _created = Guardian.objects.get_or_create(user=user)
    GuardianLink.objects.get_or_create(
        guardian=guardian, student=invitation.student, defaults={"relationship": relationship}
    )
    invitation.used_at = timezone.now()
    invitation.used_by = guardian
    invitation.save(update_fields=["used_at", "used_by"])
    return invitation.student


@transaction.atomic
def guardian_register(*, code: str, username: str, password: str, display_name: str, language: str = "ja") -> User:
    """A new guardian account from an invitation letter. Nothing is created if the code is refused."""
    if User.objects.filter(username__iexact=username).exists():
        raise PortalError(_("This sign-in name is taken. Choose another."))
    user = User.objects.create_user(
        username=username, password=password, display_name=display_name, preferred_language=language
    )
    guardian_invitation_redeem(code=code, user=user)
    return user
