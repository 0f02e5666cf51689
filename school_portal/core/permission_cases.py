"""The core's rows of the permission matrix (tests/school_portal/test_permission_matrix.py runs them all).

Test code: only the tests import it, through ``school_portal.core.testing.matrix``.
"""

import json

from django.urls import reverse

from .registry import ROLES, PermissionCase

ROSTER_IMPORTERS = frozenset({"school_admin", "other_school_admin", "centre_staff"})
STAFF_OF_CLASS = frozenset({"homeroom_teacher", "school_admin"})
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
SCHOOL_STAFF = frozenset({"homeroom_teacher", "other_teacher", "school_admin", "centre_staff"})


def _school_document_url(world) -> str:
    """A roster CSV uploaded to the school's collection: its staff may download it, nobody else."""
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model

    document = get_document_model().objects.filter(title="matrix roster", collection=world.school.collection).first()
    if document is None:
        document = get_document_model().objects.create(
            title="matrix roster",
            collection=world.school.collection,
            file=ContentFile("学年,組,番号,氏名\n3,1,1,matrix child\n".encode(), name="matrix-roster.csv"),
        )
    return document.url


def _matrix_image(world):
    import io

    from django.core.files.images import ImageFile
    from PIL import Image as PILImage
    from wagtail.images import get_image_model

    image = get_image_model().objects.filter(title="matrix photo", collection=world.school.collection).first()
    if image is None:
        buffer = io.BytesIO()
        PILImage.new("RGB", (64, 48), "orange").save(buffer, "PNG")
        image = get_image_model().objects.create(
            title="matrix photo", collection=world.school.collection, file=ImageFile(buffer, name="matrix-photo.png")
        )
    return image


def _original_image_url(world) -> str:
    """A teacher's photo as uploaded: not served to anyone by the media URL (pages show renditions)."""
    return _matrix_image(world).file.url


def _image_rendition_url(world) -> str:
    return _matrix_image(world).get_rendition("width-32").url


def _roster_import_url(world) -> str:
    from .models import RosterImport

    roster_import, _created = RosterImport.objects.get_or_create(
        school=world.school, file_name="matrix-roster.csv", defaults={"kind": RosterImport.Kind.CSV}
    )
    return reverse("roster_imports:detail", args=[roster_import.pk])


def _invitation_cancel_url(world) -> str:
    from . import services
    from .models import GuardianInvitation

    services.guardian_invitation_issue(student=world.child)
    invitation = GuardianInvitation.objects.filter(student=world.child).latest("pk")
    return reverse("core:class_invitation_cancel", args=[world.class_group.pk, invitation.pk])


def _job(world):
    """A finished job of the homeroom teacher's, with a file: what a letters or badges job leaves."""
    from django.core.files.base import ContentFile

    from .models import Job

    job = Job.objects.filter(title="matrix-job").first()
    if job is None:
        job = Job.objects.create(
            kind="core.class_letters",
            title="matrix-job",
            started_by=world.users["homeroom_teacher"],
            school=world.school,
            status=Job.Status.SUCCEEDED,
            result_name="letters.pdf",
        )
        job.result_file.save(f"{job.pk}/letters.pdf", ContentFile(b"%PDF-1.4 matrix"))
    return job


def _browser_subscription(name: str) -> dict:
    """What a browser sends for a subscription on the local test push endpoint (allowed by the test settings)."""
    import base64
    import hashlib

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    scalar = int.from_bytes(hashlib.sha256(name.encode()).digest(), "big") % (2**255) + 1
    public = ec.derive_private_key(scalar, ec.SECP256R1()).public_key()
    point = public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)

    def encode(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    keys = {"p256dh": encode(point), "auth": encode(hashlib.md5(name.encode()).digest())}  # noqa: S324
    return {"endpoint": f"http://127.0.0.1:9/push/{name}", "keys": keys}


def _guardians_subscription(world) -> str:
    """The guardian's phone: only the guardian may turn its notifications off."""
    from .push import push_subscription_save

    push_subscription_save(user=world.users["guardian"], info=_browser_subscription("matrix-guardian"))
    return reverse("core:push_unsubscribe")


JOB_WATCHERS = frozenset({"homeroom_teacher", "centre_staff"})


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
        PermissionCase(
            "core.class_invitation_cancel", _invitation_cancel_url, STAFF_OF_CLASS, method="post", ok_status=(302,)
        ),
        # Wagtail admin screens: roster import (any school's administrators may import for their own school).
        PermissionCase("core.roster_import_index", lambda w: reverse("roster_imports:index"), ROSTER_IMPORTERS),
        PermissionCase("core.roster_import_upload", lambda w: reverse("roster_imports:upload"), ROSTER_IMPORTERS),
        PermissionCase("core.roster_import_detail", _roster_import_url, frozenset({"school_admin", "centre_staff"})),
        PermissionCase(
            "core.roster_import_blank", lambda w: reverse("roster_imports:blank", args=["xlsx"]), ROSTER_IMPORTERS
        ),
        # Files of a school's collection: documents through Wagtail's serve view and the policy; images only as
        # renditions (the media URL serves no original).
        PermissionCase("core.school_document", _school_document_url, SCHOOL_STAFF),
        PermissionCase("core.original_image", _original_image_url, frozenset()),
        PermissionCase("core.image_rendition", _image_rendition_url, frozenset(ROLES)),
        # A background job (progress, file): whoever started it and centre staff, not the rest of the school.
        PermissionCase("core.job_detail", lambda w: reverse("core:job_detail", args=[_job(w).pk]), JOB_WATCHERS),
        PermissionCase("core.job_status", lambda w: reverse("core:job_status", args=[_job(w).pk]), JOB_WATCHERS),
        PermissionCase("core.job_file", lambda w: reverse("core:job_file", args=[_job(w).pk]), JOB_WATCHERS),
        # Push: the app manifest and service worker for everyone; each user's own devices and quiet hours.
        PermissionCase("core.manifest", lambda w: reverse("core:manifest"), frozenset(ROLES)),
        PermissionCase("core.service_worker", lambda w: reverse("core:service_worker"), frozenset(ROLES)),
        PermissionCase(
            "core.push_subscribe",
            lambda w: reverse("core:push_subscribe"),
            SIGNED_IN,
            method="post",
            data=lambda w: {"subscription": json.dumps(_browser_subscription("matrix-any")), "device": "matrix"},
            ok_status=(201,),
        ),
        PermissionCase(
            "core.push_unsubscribe.own_device",
            _guardians_subscription,
            frozenset({"guardian"}),
            method="post",
            data=lambda w: {"endpoint": _browser_subscription("matrix-guardian")["endpoint"]},
        ),
        PermissionCase(
            "core.push_quiet_hours",
            lambda w: reverse("core:push_quiet_hours"),
            SIGNED_IN,
            method="post",
            data=lambda w: {"quiet-quiet_hours": "on", "quiet-quiet_start": "22:00", "quiet-quiet_end": "06:30"},
            ok_status=(302,),
        ),
        PermissionCase(
            "core.push_test", lambda w: reverse("core:push_test"), SIGNED_IN, method="post", ok_status=(302,)
        ),
    ]
