"""The core's rows of the permission matrix (tests/school_portal/test_permission_matrix.py runs them all).

Test code: only the tests import it, through ``school_portal.core.testing.matrix``.
"""

from django.urls import reverse

from .registry import ROLES, PermissionCase

ROSTER_IMPORTERS = frozenset({"school_admin", "other_school_admin", "centre_staff"})
STAFF_OF_CLASS = frozenset({"homeroom_teacher", "school_admin"})
SIGNED_IN = frozenset(ROLES) - {"anonymous"}


def _roster_import_url(world) -> str:
    from .models import RosterImport

    roster_import, _created = RosterImport.objects.get_or_create(
        school=world.school, file_name="matrix-roster.csv", defaults={"kind": RosterImport.Kind.CSV}
    )
    return reverse("roster_imports:detail", args=[roster_import.pk])


def cases() -> list[PermissionCase]:
    return [
        PermissionCase("core.dashboard", lambda w: reverse("core:dashboard"), SIGNED_IN),
        PermissionCase(
            "core.student_detail",
            lambda w: reverse("core:student_detail", args=[w.child.pk]),
            STAFF_OF_CLASS | {"student", "guardian"},
        ),
        PermissionCase(
            "core.student_detail.sibling_in_other_school",
            lambda w: reverse("core:student_detail", args=[w.sibling.pk]),
            frozenset({"guardian", "other_school_teacher", "other_school_admin"}),
        ),
        PermissionCase(
            "core.class_roster", lambda w: reverse("core:class_roster", args=[w.class_group.pk]), STAFF_OF_CLASS
        ),
        PermissionCase(
            "core.class_badges_pdf", lambda w: reverse("core:class_badges_pdf", args=[w.class_group.pk]), STAFF_OF_CLASS
        ),
        PermissionCase(
            "core.class_invitations_pdf",
            lambda w: reverse("core:class_invitations_pdf", args=[w.class_group.pk]),
            STAFF_OF_CLASS,
            method="post",
        ),
        PermissionCase(
            "core.student_invitation_pdf",
            lambda w: reverse("core:student_invitation_pdf", args=[w.child.pk]),
            STAFF_OF_CLASS,
            method="post",
        ),
        # Wagtail admin screens: roster import (any school's administrators may import for their own school).
        PermissionCase("core.roster_import_index", lambda w: reverse("roster_imports:index"), ROSTER_IMPORTERS),
        PermissionCase("core.roster_import_upload", lambda w: reverse("roster_imports:upload"), ROSTER_IMPORTERS),
        PermissionCase("core.roster_import_detail", _roster_import_url, frozenset({"school_admin", "centre_staff"})),
    ]
