"""The parent_notices plug-in's rows of the permission matrix (test code: only the tests import it)."""

from __future__ import annotations

from django.urls import reverse

from school_portal.core.registry import PermissionCase
from school_portal.core.testing.matrix import GUARDIANS, TEACHERS

from .public.permission_cases import cases as public_cases
from .testing import ATTEND, FILE, emergency_world, notice_world


def _class_notice(w) -> int:
    return notice_world(w).class_notice


def _other_class_notice(w) -> int:
    return notice_world(w).other_class_notice


def _child_notice(w) -> int:
    return notice_world(w).child_notice


SCHOOL_STAFF = frozenset({"homeroom_teacher", "other_teacher", "school_admin", "centre_staff"})
SCHOOL_STAFF_NO_CENTRE = SCHOOL_STAFF - {"centre_staff"}
BOARD = frozenset({"centre_staff"})


def cases() -> list[PermissionCase]:
    return [
        PermissionCase(
            "parent_notices.index", lambda w: reverse("parent_notices:index"), GUARDIANS | TEACHERS | {"centre_staff"}
        ),
        PermissionCase(
            "parent_notices.notice (class)",
            lambda w: reverse("parent_notices:notice", args=[_class_notice(w)]),
            GUARDIANS | SCHOOL_STAFF,
        ),
        PermissionCase(
            "parent_notices.notice (another class)",
            lambda w: reverse("parent_notices:notice", args=[_other_class_notice(w)]),
            SCHOOL_STAFF,
        ),
        PermissionCase(
            "parent_notices.notice (one child)",
            lambda w: reverse("parent_notices:notice", args=[_child_notice(w)]),
            frozenset({"guardian"}) | SCHOOL_STAFF,
        ),
        PermissionCase(
            "parent_notices.attachment",
            lambda w: reverse("parent_notices:attachment", args=[_child_notice(w), FILE]),
            frozenset({"guardian"}) | SCHOOL_STAFF,
        ),
        PermissionCase(
            "parent_notices.reply",
            lambda w: reverse("parent_notices:reply", args=[_child_notice(w), ATTEND]),
            frozenset({"guardian"}) | SCHOOL_STAFF,
            method="post",
            ok_status=(302,),
        ),
        PermissionCase(
            "parent_notices.tally",
            lambda w: reverse("parent_notices:tally", args=[_child_notice(w)]),
            SCHOOL_STAFF,
        ),
        PermissionCase(
            "parent_notices.tally_csv",
            lambda w: reverse("parent_notices:tally_csv", args=[_child_notice(w)]),
            SCHOOL_STAFF,
        ),
        PermissionCase(
            "parent_notices.tally_xlsx",
            lambda w: reverse("parent_notices:tally_xlsx", args=[_child_notice(w)]),
            SCHOOL_STAFF,
        ),
        PermissionCase(
            "parent_notices.remind",
            lambda w: reverse("parent_notices:remind", args=[_child_notice(w)]),
            SCHOOL_STAFF,
            method="post",
            ok_status=(302,),
        ),
        PermissionCase(
            "parent_notices.admin_translate",
            lambda w: reverse(
                "simple_translation:submit_snippet_translation", args=["parent_notices", "notice", _child_notice(w)]
            ),
            SCHOOL_STAFF,
        ),
        PermissionCase(
            "parent_notices.notice (emergency)",
            lambda w: reverse("parent_notices:notice", args=[emergency_world(w).sent]),
            GUARDIANS | BOARD,
        ),
        PermissionCase("parent_notices.emergency", lambda w: reverse("parent_notices:emergency"), BOARD),
        PermissionCase(
            "parent_notices.emergency_propose",
            lambda w: reverse("parent_notices:emergency"),
            BOARD,
            method="post",
            data=lambda w: {"city": w.city.pk, "title": "臨時休校", "message": "休校です。"},
            ok_status=(302,),
        ),
        PermissionCase(
            "parent_notices.emergency_detail",
            lambda w: reverse("parent_notices:emergency_detail", args=[emergency_world(w).sent]),
            BOARD,
        ),
        PermissionCase(
            "parent_notices.emergency_confirm",
            lambda w: reverse("parent_notices:emergency_confirm", args=[emergency_world(w).proposal]),
            BOARD,
            method="post",
            ok_status=(302,),
        ),
        PermissionCase(
            "parent_notices.emergency_correct",
            lambda w: reverse("parent_notices:emergency_correct", args=[emergency_world(w).sent]),
            BOARD,
            method="post",
            data=lambda w: {"text": "訂正: 中学校も休校です。"},
            ok_status=(302,),
        ),
        PermissionCase("parent_notices.absence", lambda w: reverse("parent_notices:absence"), GUARDIANS),
        PermissionCase(
            "parent_notices.language",
            lambda w: reverse("parent_notices:language"),
            GUARDIANS,
            method="post",
            ok_status=(302,),
        ),
        PermissionCase(
            "parent_notices.class_absences",
            lambda w: reverse("parent_notices:class_absences", args=[w.class_group.pk]),
            frozenset({"homeroom_teacher", "school_admin"}),
        ),
        PermissionCase(
            "parent_notices.school_absences",
            lambda w: reverse("parent_notices:school_absences", args=[w.school.pk]),
            SCHOOL_STAFF_NO_CENTRE,
        ),
        *public_cases(),
    ]
