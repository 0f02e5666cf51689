"""A guardian registers from the school's invitation letter, and adds more children with more letters."""

from __future__ import annotations

import datetime
import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from school_portal.core import services, sheets
from school_portal.core.models import Guardian, GuardianInvitation, GuardianLink, User
from school_portal.core.pdf import qr_data_uri
from school_portal.core.testing.world import build_world

JOIN = reverse("core:guardian_join")
DASHBOARD = reverse("core:dashboard")
NEW_PASSWORD = "kodomo-no-gakkou-2026"
LOCKED = "Too many failed attempts."
ON_POSTGRESQL_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the row lock under test is PostgreSQL's; SQLite's in-memory test database refuses a second writer",
)


def registration(code: str, **changes: str) -> dict[str, str]:
    return {
        "code": code,
        "display_name": "鈴木 真理",
        "username": "mari.suzuki",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **changes,
    }


def signed_in_user_id(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


@pytest.fixture
def code(world) -> str:
    """The code on a fresh letter for the classmate (佐藤 太郎)."""
    return services.guardian_invitation_issue(student=world.classmate)


def test_a_new_guardian_registers_from_the_letter_and_sees_the_child(world, english_client, code):
    response = english_client.post(JOIN, registration(code))

    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    user = User.objects.get(username="mari.suzuki")
    assert signed_in_user_id(english_client) == user.pk
    assert user.check_password(NEW_PASSWORD)
    dashboard = english_client.get(DASHBOARD).content.decode()
    assert "太郎 of さくら小学校 is now linked to your account." in dashboard
    assert "太郎" in dashboard
    assert "花子" not in dashboard  # the classmate's classmate is nobody of theirs
    assert english_client.get(reverse("core:student_detail", args=[world.classmate.pk])).status_code == 200


@pytest.mark.parametrize("letters", ["class", "one child"])
def test_the_letters_qr_code_carries_the_code_in_the_fragment_never_in_the_query(
    world, english_client_as, monkeypatch, letters
):
    """A fragment never reaches the server: the one-time code stays out of logs, Referer and the phone's history."""
    encoded: list[str] = []

    def recording_qr_data_uri(text: str, **kwargs) -> str:
        encoded.append(text)
        return qr_data_uri(text, **kwargs)

    monkeypatch.setattr(sheets, "qr_data_uri", recording_qr_data_uri)
    if letters == "class":
        url, children = (
            reverse("core:class_invitations_pdf", args=[world.class_group.pk]),
            [world.child, world.classmate],
        )
    else:
        url, children = reverse("core:student_invitation_pdf", args=[world.classmate.pk]), [world.classmate]

    response = english_client_as("school_admin").post(url)

    assert response.status_code == 200
    assert len(encoded) == len(children)
    codes = []
    for qr_url in encoded:
        parts = urlsplit(qr_url)
        assert (parts.scheme, parts.netloc, parts.path, parts.query) == ("http", "testserver", JOIN, "")
        assert "?code=" not in qr_url
        fragment = parse_qs(parts.fragment)
        assert list(fragment) == ["code"]
        codes.append(fragment["code"][0])
    # Each QR code's code works: registering with it links the new parent to one child of the letters each.
    for number, letter_code in enumerate(codes):
        parent = Client(HTTP_ACCEPT_LANGUAGE="en")
        assert parent.post(JOIN, registration(letter_code, username=f"parent-{number}")).status_code == 302
    linked = GuardianLink.objects.filter(guardian__user__username__startswith="parent-").values_list(
        "student", flat=True
    )
    assert sorted(linked) == sorted(child.pk for child in children)


def test_a_code_in_the_query_string_is_not_put_into_the_form(world, english_client, english_client_as, code):
    for client in (english_client, english_client_as("guardian")):
        page = client.get(f"{JOIN}?code={code}").content.decode()

        code_field = re.search(r'<input[^>]*name="code"[^>]*>', page)
        assert code_field is not None
        assert "value=" not in code_field.group(0)


def test_the_code_may_be_typed_without_dashes_in_lower_case(world, english_client, code):
    english_client.post(JOIN, registration(code.replace("-", "").lower()))

    assert GuardianLink.objects.filter(guardian__user__username="mari.suzuki", student=world.classmate).exists()


def test_a_signed_in_guardian_adds_a_child_of_another_school(world, english_client, code):
    english_client.post(JOIN, registration(code))
    second = services.guardian_invitation_issue(student=world.sibling)

    page = english_client.get(JOIN).content.decode()
    assert 'name="password1"' not in page  # already signed in: only the code is asked
    response = english_client.post(JOIN, {"code": second}, follow=True)

    page = response.content.decode()
    assert "一郎 of うめ中学校 is now linked to your account." in page
    assert "太郎" in page and "さくら小学校" in page
    assert User.objects.filter(username="mari.suzuki").count() == 1
    guardian = Guardian.objects.get(user__username="mari.suzuki")
    assert set(guardian.children.all()) == {world.classmate, world.sibling}


def assert_nothing_created(users_before: int) -> None:
    assert User.objects.count() == users_before
    assert not User.objects.filter(username="mari.suzuki").exists()


def test_a_used_code_is_refused_and_creates_nothing(world, english_client, code):
    english_client.post(JOIN, registration(code))
    english_client.post(reverse("logout"))
    users_before = User.objects.count()

    response = english_client.post(JOIN, registration(code, username="someone.else"))

    assert response.status_code == 400
    assert "This invitation code has already been used." in response.content.decode()
    assert User.objects.count() == users_before
    assert not User.objects.filter(username="someone.else").exists()


def test_a_signed_in_guardian_cannot_reuse_a_code(world, english_client_as, code):
    services.guardian_invitation_redeem(code=code, user=world.users["other_guardian"])
    client = english_client_as("guardian")

    response = client.post(JOIN, {"code": code})

    assert "This invitation code has already been used." in response.content.decode()
    assert not world.classmate.guardians.filter(user=world.users["guardian"]).exists()


def test_an_expired_code_is_refused_and_creates_nothing(world, english_client, code):
    GuardianInvitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    users_before = User.objects.count()

    response = english_client.post(JOIN, registration(code))

    assert "This invitation code has expired." in response.content.decode()
    assert_nothing_created(users_before)


def test_a_wrong_code_is_refused_and_creates_nothing(world, english_client, code):
    users_before = User.objects.count()

    response = english_client.post(JOIN, registration("ABCD-EFGH-JKLM"))

    assert "This invitation code is not valid." in response.content.decode()
    assert_nothing_created(users_before)


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"password1": "short1", "password2": "short1"}, "This password is too short."),
        ({"password2": "kodomo-no-gakkou-2027"}, "The two passwords are different."),
        ({"password1": "mari.suzuki1", "password2": "mari.suzuki1"}, "too similar to the username"),
        ({"username": "a b"}, "Use 4 or more letters, digits"),
    ],
    ids=["too short", "mismatch", "like the sign-in name", "bad sign-in name"],
)
def test_a_bad_password_or_name_creates_nothing_and_leaves_the_code_usable(
    world, english_client, code, changes, message
):
    users_before = User.objects.count()

    response = english_client.post(JOIN, registration(code, **changes))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert_nothing_created(users_before)
    assert GuardianInvitation.objects.get().used_at is None
    english_client.post(JOIN, registration(code))
    assert User.objects.filter(username="mari.suzuki").exists()


def test_a_taken_sign_in_name_is_said_at_the_name_and_leaves_the_code_usable(world, english_client, code):
    users_before = User.objects.count()

    response = english_client.post(JOIN, registration(code, username="M-Guardian"))

    assert "This sign-in name is taken." in response.content.decode()
    assert User.objects.count() == users_before
    assert GuardianInvitation.objects.get().used_at is None
    assert not world.classmate.guardians.filter(user__username__iexact="m-guardian").exists()


def test_a_student_account_cannot_become_a_guardian(world, english_client_as, code):
    response = english_client_as("student").post(JOIN, {"code": code})

    assert "A student account cannot be linked as a guardian." in response.content.decode()
    assert not Guardian.objects.filter(user=world.users["student"]).exists()
    assert GuardianInvitation.objects.get().used_at is None


def test_a_guardian_trying_another_childs_page_gets_not_found(world, english_client, code):
    english_client.post(JOIN, registration(code))

    for other in (world.child, world.sibling):
        assert english_client.get(reverse("core:student_detail", args=[other.pk])).status_code == 404
    assert english_client.get(reverse("core:student_detail", args=[999999])).status_code == 404


def test_repeated_wrong_codes_make_the_address_wait_even_for_a_right_code(world, english_client, code):
    for attempt in range(settings.LOGIN_THROTTLE_FREE_ATTEMPTS):
        response = english_client.post(JOIN, registration(f"ABCD-EFGH-{attempt:04d}"))
        assert "This invitation code is not valid." in response.content.decode()
    users_before = User.objects.count()

    response = english_client.post(JOIN, registration(code))

    assert "Too many failed attempts. Try again in 30 seconds." in response.content.decode()
    assert_nothing_created(users_before)
    assert GuardianInvitation.objects.get().used_at is None


def test_a_signed_in_guardian_guessing_codes_is_slowed_down_too(world, english_client_as, code):
    client = english_client_as("guardian")
    for attempt in range(settings.LOGIN_THROTTLE_FREE_ATTEMPTS):
        client.post(JOIN, {"code": f"ABCD-EFGH-{attempt:04d}"})

    response = client.post(JOIN, {"code": code})

    assert LOCKED in response.content.decode()
    assert not world.classmate.guardians.filter(user=world.users["guardian"]).exists()


def test_wrong_codes_from_one_address_never_keep_a_parent_at_another_out(world, english_client, code):
    for attempt in range(3 * settings.LOGIN_THROTTLE_FREE_ATTEMPTS):
        english_client.post(JOIN, registration(f"ABCD-EFGH-{attempt:04d}"))

    parent = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="198.51.100.20")
    response = parent.post(JOIN, registration(code))

    assert response.status_code == 302
    assert GuardianInvitation.objects.get().used_at is not None


def test_the_page_is_japanese_by_default_and_english_on_request(world, code):
    assert '<html lang="ja">' in Client().get(JOIN).content.decode()

    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = english.get(JOIN).content.decode()
    assert '<html lang="en">' in page
    assert "Register with an invitation letter" in page


@ON_POSTGRESQL_ONLY
@pytest.mark.django_db(transaction=True)
def test_two_people_racing_with_one_code_get_one_account_between_them():
    """Two parents type the same letter's code at the same moment: one account is linked, the other refused."""
    world = build_world()
    code = services.guardian_invitation_issue(student=world.classmate)
    users_before = User.objects.count()

    def register(username: str) -> str:
        translation.activate("en")  # a new thread: the message is checked in English
        try:
            services.guardian_register(code=code, username=username, password=NEW_PASSWORD, display_name=username)
            return "linked"
        except services.PortalError as error:
            return str(error)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(register, ["parent-one", "parent-two"]))

    assert outcomes.count("linked") == 1, outcomes
    assert any("already been used" in outcome for outcome in outcomes), outcomes
    assert User.objects.count() == users_before + 1
    assert GuardianLink.objects.filter(student=world.classmate).count() == 2  # the world's guardian and the winner


REPLACED = "This invitation code is no longer valid: the school has printed a newer letter for this child"


def test_reprinting_the_class_letters_makes_the_old_codes_stop_working(world, english_client, english_client_as, code):
    """Two letters for one child must never link two families: the reprint replaces the code on the first."""
    teacher = english_client_as("homeroom_teacher")
    response = teacher.post(reverse("core:class_invitations_pdf", args=[world.class_group.pk]))
    assert response.status_code == 200
    users_before = User.objects.count()

    refused = english_client.post(JOIN, registration(code))

    assert refused.status_code == 400
    assert REPLACED in refused.content.decode()
    assert_nothing_created(users_before)
    # Each child of the class now has exactly one usable code: the one on the new letter.
    usable = GuardianInvitation.objects.filter(student=world.classmate, used_at__isnull=True, revoked_at__isnull=True)
    assert usable.count() == 1


def test_a_reprinted_code_works_and_the_one_before_it_does_not(world, english_client, code):
    newer = services.guardian_invitation_issue(student=world.classmate)

    assert REPLACED in english_client.post(JOIN, registration(code)).content.decode()
    response = english_client.post(JOIN, registration(newer))
    assert response.status_code == 302
    assert world.classmate.guardians.filter(user__username="mari.suzuki").exists()


def test_the_roster_page_lists_the_codes_waiting_to_be_used_and_the_teacher_cancels_one(
    world, english_client, english_client_as, code
):
    used = services.guardian_invitation_issue(student=world.child)
    services.guardian_invitation_redeem(code=used, user=world.users["other_guardian"])
    teacher = english_client_as("homeroom_teacher")
    roster = reverse("core:class_roster", args=[world.class_group.pk])

    page = teacher.get(roster).content.decode()
    section = page.split("Invitation codes not yet used", 1)[1]
    invitation = GuardianInvitation.objects.get(student=world.classmate)
    assert world.classmate.full_name in section
    assert world.child.full_name not in section  # 花子's code was used: nothing waits
    assert f"{timezone.localtime(invitation.expires_at):%Y-%m-%d}" in section  # Tokyo's date (UTC's differs at night)

    response = teacher.post(reverse("core:class_invitation_cancel", args=[world.class_group.pk, invitation.pk]))

    assert response.status_code == 302 and response["Location"] == roster
    after = teacher.get(roster).content.decode()
    assert f"The invitation code for {world.classmate.full_name} was cancelled." in after
    assert "No invitation code is waiting to be used." in after
    assert REPLACED in english_client.post(JOIN, registration(code)).content.decode()


def test_a_teacher_who_may_not_print_the_letters_neither_sees_nor_cancels_the_codes(world, english_client_as, code):
    other = english_client_as("other_teacher")  # teaches the class a subject: sees the roster, prints no letters
    invitation = GuardianInvitation.objects.get(student=world.classmate)
    page = other.get(reverse("core:class_roster", args=[world.class_group.pk])).content.decode()
    assert "Invitation codes not yet used" not in page

    response = other.post(reverse("core:class_invitation_cancel", args=[world.class_group.pk, invitation.pk]))

    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    with pytest.raises(PermissionDenied):
        services.guardian_invitation_cancel(invitation=invitation, by=world.users["other_teacher"])


@ON_POSTGRESQL_ONLY
@pytest.mark.django_db(transaction=True)
def test_letters_reprinted_at_the_same_moment_leave_one_live_code_per_child():
    """Two teachers press "print letters" together, many times over: each child always has exactly one code."""
    world = build_world()

    def reprint(_round: int) -> str:
        try:
            return services.guardian_invitation_issue(student=world.classmate)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = list(pool.map(reprint, range(24)))

    assert len(set(codes)) == 24
    live = GuardianInvitation.objects.filter(student=world.classmate, used_at__isnull=True, revoked_at__isnull=True)
    assert live.count() == 1
