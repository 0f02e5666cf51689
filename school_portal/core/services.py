"""Writes that matter, as typed keyword-only functions. Views, forms, commands and tasks call these."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page, Site

from . import realtime
from .access import policy
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
    WardIndexPage,
)
from .models.people import new_badge_code
from .models.schools import CLASS_CODE_ALPHABET

EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]
ADMIN_PAGE_PERMISSIONS = [*EDITOR_PAGE_PERMISSIONS, "bulk_delete_page", "lock_page", "unlock_page"]
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


# What every staff group the core makes may do in the Wagtail admin: enter it, and submit translations (Wagtail's
# simple_translation: "Translate" copies a page or snippet into another locale). Which objects a member may translate
# is not this permission's business: Wagtail asks the object's own permission policy for "change" first (a page's
# group page permissions, a notice's access-policy rule), so a teacher translates only what they may edit.
STAFF_GROUP_PERMISSIONS = [("wagtailadmin", "access_admin"), ("simple_translation", "submit_translation")]


def staff_group_permissions() -> list[Permission]:
    found = Permission.objects.filter(
        content_type__app_label__in=[app for app, _codename in STAFF_GROUP_PERMISSIONS],
        codename__in=[codename for _app, codename in STAFF_GROUP_PERMISSIONS],
    )
    return list(found)


def _group(name: str) -> Group:
    group, _created = Group.objects.get_or_create(name=name)
    group.permissions.add(*staff_group_permissions())
    return group


def editors_group(school: School) -> Group:
    """The school's editors: by the school's relation, so that a change of school code changes nothing."""
    return school.editors_group or _school_group(school, "editors_group", "editors")


def admins_group(school: School) -> Group:
    return school.admins_group or _school_group(school, "admins_group", "administrators")


def _school_group(school: School, field: str, suffix: str) -> Group:
    """The school's group behind ``field``, made (or linked, for a school made before the relation) if missing
    and named after the school's current code."""
    group = getattr(school, field)
    name = f"{school.code} {suffix}"
    if group is None:
        unlinked = {"school_as_editors__isnull": True, "school_as_admins__isnull": True}
        group = Group.objects.filter(name=name, **unlinked).first()
        if group is None:
            group = _group(name if not Group.objects.filter(name=name).exists() else f"{name} ({school.slug})")
        setattr(school, field, group)
        school.save(update_fields=[field])
    elif group.name != name and not Group.objects.filter(name=name).exists():
        group.name = name
        group.save(update_fields=["name"])
    return group


def centre_staff_group() -> Group:
    """Education-centre staff: Wagtail admin access only; what they may do there, the access policy says."""
    return _group("Education centre staff")


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
    home = SchoolHomePage.objects.filter(school=school).first()
    if home is None:
        home = _ward_folder(ward).add_child(instance=SchoolHomePage(title=name, slug=slug, school=school))
    site, _created = Site.objects.update_or_create(
        root_page=home,
        defaults={"hostname": hostname or f"{slug}.localhost", "port": port, "site_name": name},
    )
    if school.collection is None:
        school.collection = _ward_collection(ward).add_child(name=name)
    school.site = site
    school.save(update_fields=["site", "collection"])
    school_ward_arrange(school=school)

    for group, page_perms in (
        (_school_group(school, "editors_group", "editors"), EDITOR_PAGE_PERMISSIONS),
        (_school_group(school, "admins_group", "administrators"), ADMIN_PAGE_PERMISSIONS),
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


def _ward_folder(ward: str) -> Page:
    """The ward's folder page under the root (made the first time), or the root for a school with no ward."""
    root = Page.get_first_root_node()
    if not ward:
        return root
    folder = WardIndexPage.objects.filter(depth=root.depth + 1, title=ward).first()
    if folder is None:
        folder = root.add_child(instance=WardIndexPage(title=ward, slug=f"ward-{slugify(ward, allow_unicode=True)}"))
    return folder


def _ward_collection(ward: str) -> Collection:
    """The ward's collection under the root collection (made the first time), or the root for no ward."""
    root = Collection.get_first_root_node()
    if not ward:
        return root
    collection = root.get_children().filter(name=ward).first()
    return collection if collection is not None else root.add_child(name=ward)


@transaction.atomic
def school_ward_arrange(*, school: School) -> None:
    """Put the school's home page and media collection under its ward's (``School.ward``): the explorer and the
    collections listing show the city's wards, then a ward's schools. Moving keeps the school's site (its root page
    is the same page), its editors' page and collection permissions (granted on the school's own page and
    collection) and its URLs (a site's URLs are relative to its root page); the page cache is renewed."""
    home = SchoolHomePage.objects.filter(school=school).first()
    if home is not None:
        folder = _ward_folder(school.ward)
        if home.depth != folder.depth + 1 or not home.path.startswith(folder.path):
            home.move(folder, pos="last-child")
    if school.collection is not None:
        parent = _ward_collection(school.ward)
        collection = Collection.objects.get(pk=school.collection_id)
        if collection.depth != parent.depth + 1 or not collection.path.startswith(parent.path):
            collection.move(parent, pos="sorted-child")  # collections keep their siblings in name order


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
    elif role == Role.CENTRE_STAFF:
        user.groups.add(centre_staff_group())  # the Wagtail admin, for city-wide screens such as roster import
    return assignment


@transaction.atomic
def student_badge_reset(*, student: Student) -> str:
    """A new badge code: the old printed badge stops working at once, and whoever signed in with it is signed out."""
    student.badge_code = new_badge_code()
    student.save(update_fields=["badge_code"])
    # A student has no usable password; a fresh unusable one changes the session hash, ending every session.
    student.user.set_unusable_password()
    student.user.save(update_fields=["password"])
    transaction.on_commit(lambda: realtime.end_user_sockets(user_id=student.user_id))
    return student.badge_code


def student_username(sourced_id: str) -> str:
    return f"s-{sourced_id}".lower()[:150]


# --- guardians -------------------------------------------------------------------------------------------


def _invitation_digest(code: str) -> str:
    normalised = code.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(f"{settings.SECRET_KEY}:{normalised}".encode()).hexdigest()


def format_invitation_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


@transaction.atomic
def guardian_invitation_issue(*, student: Student) -> str:
    """A new one-time code for one child's letter; the child's earlier unused codes stop working.

    Only the code's digest is stored. The child's row is locked first, so two reprints at once still leave
    exactly one usable code, and a code being redeemed at that moment is either used or revoked, never both.
    """
    now = timezone.now()
    Student.objects.select_for_update().filter(pk=student.pk).values_list("pk").get()
    GuardianInvitation.objects.filter(student=student, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    code = "".join(secrets.choice(CLASS_CODE_ALPHABET) for _ in range(12))
    GuardianInvitation.objects.create(
        student=student,
        code_digest=_invitation_digest(code),
        expires_at=now + datetime.timedelta(days=settings.GUARDIAN_INVITATION_DAYS),
    )
    return format_invitation_code(code)


@transaction.atomic
def guardian_invitation_cancel(*, invitation: GuardianInvitation, by: User) -> None:
    """Cancel an unused code (a letter lost, or handed to the wrong family): it links nobody from now on.

    Allowed to whoever may print the child's letters (the policy's ``manage`` of the child).
    """
    policy.require(by, "manage", invitation.student)
    cancelled = GuardianInvitation.objects.filter(
        pk=invitation.pk, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if not cancelled:
        raise PortalError(_("This invitation code has already been used or cancelled."))


class UsernameTaken(PortalError):
    """The sign-in name a new guardian chose is already someone's."""


def _usable_invitation(code: str) -> GuardianInvitation:
    """The invitation of ``code``, locked for this transaction, if it may still be used; otherwise refused."""
    invitation = (
        GuardianInvitation.objects.select_for_update()
        .select_related("student", "student__school")
        .filter(code_digest=_invitation_digest(code))
    ).first()
    if invitation is None:
        raise PortalError(_("This invitation code is not valid. Check the letter from the school."))
    if invitation.used_at is not None:
        raise PortalError(_("This invitation code has already been used. Ask the school for a new letter."))
    if invitation.revoked_at is not None:
        raise PortalError(
            _(
                "This invitation code is no longer valid: the school has printed a newer letter for this child "
                "or cancelled the code. Use the newest letter, or ask the school."
            )
        )
    if invitation.expires_at < timezone.now():
        raise PortalError(_("This invitation code has expired. Ask the school for a new letter."))
    return invitation


def _invitation_accept(*, invitation: GuardianInvitation, user: User, relationship: str) -> Student:
    guardian, _created = Guardian.objects.get_or_create(user=user)
    GuardianLink.objects.get_or_create(
        guardian=guardian, student=invitation.student, defaults={"relationship": relationship}
    )
    invitation.used_at = timezone.now()
    invitation.used_by = guardian
    invitation.save(update_fields=["used_at", "used_by"])
    return invitation.student


@transaction.atomic
def guardian_invitation_redeem(*, code: str, user: User, relationship: str = "") -> Student:
    """Link ``user`` (made a guardian if not yet) to the child on the letter. The code works once."""
    invitation = _usable_invitation(code)
    if Student.objects.filter(user=user).exists():
        raise PortalError(_("A student account cannot be linked as a guardian."))
    return _invitation_accept(invitation=invitation, user=user, relationship=relationship)


@transaction.atomic
def guardian_register(*, code: str, username: str, password: str, display_name: str, language: str = "ja") -> User:
    """A new guardian account from an invitation letter. Nothing is created if the code or the name is refused.

    The code is checked first, so only someone holding a valid letter learns whether a sign-in name is taken.
    """
    invitation = _usable_invitation(code)
    if User.objects.filter(username__iexact=username).exists():
        raise UsernameTaken(_("This sign-in name is taken. Choose another."))
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=username, password=password, display_name=display_name, preferred_language=language
            )
    except IntegrityError:  # the same name, registered a moment ago by someone else
        raise UsernameTaken(_("This sign-in name is taken. Choose another.")) from None
    _invitation_accept(invitation=invitation, user=user, relationship="")
    return user


# --- accounts and sessions -------------------------------------------------------------------------------


def user_sessions_end(*, user: User) -> None:
    """Sign ``user`` out of every device: the session generation is part of the session hash
    (``User._get_session_auth_hash``), so every session made before, in the database or read from Redis, no longer
    matches on its next request; open live-update sockets close now."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    transaction.on_commit(lambda: realtime.end_user_sockets(user_id=user.pk))


def user_language_set(*, user: User, language: str) -> None:
    """Remember the language a signed-in person chose; it follows them to every host (LocaleMiddleware's cookie is
    per host, the account is not)."""
    if language in dict(settings.PORTAL_UI_LANGUAGES) and user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
