"""A child signs in on a shared classroom tablet with the class code and the code (or QR) of their badge."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse

from school_portal.core import services, sheets, throttle
from school_portal.core.auth_views import STUDENT_SESSION_SECONDS, TABLET_CLASS_COOKIE
from school_portal.core.backends import BADGE_PATH, badge_scopes
from school_portal.core.models import ClassGroup, SchoolYear, SignInFailure
from school_portal.core.pdf import qr_data_uri
from school_portal.core.tablets import TABLET_COOKIE

SIGNIN = reverse("core:student_signin")
MISMATCH = "The class code and the badge do not match."
LOCKED = "Too many failed attempts."
FREE = settings.LOGIN_THROTTLE_BADGE_FREE_ATTEMPTS


def signed_in_user_id(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


def sign_in(client: Client, class_code: str, badge_code: str, url: str = SIGNIN):
    return client.post(url, {"class_code": class_code, "badge_code": badge_code})


@pytest.fixture
def tablet(english_client) -> Client:
    """A class tablet: it has shown the student sign-in page once, and so carries its own id."""
    english_client.get(SIGNIN)
    return english_client


def another_tablet() -> Client:
    tablet = Client(HTTP_ACCEPT_LANGUAGE="en")
    tablet.get(SIGNIN)
    return tablet


@pytest.fixture
def teacher(english_client_as) -> Client:
    return english_client_as("homeroom_teacher")


def test_a_child_signs_in_with_class_code_and_badge_and_reaches_the_dashboard(world, tablet):
    response = sign_in(tablet, world.class_group.class_code, world.child.badge_code)

    assert response.status_code == 302
    assert response["Location"] == reverse("core:dashboard")
    assert signed_in_user_id(tablet) == world.child.user.pk
    assert tablet.get(reverse("core:dashboard")).status_code == 200
    # A shared tablet left signed in does not stay so: the session ends within a school day.
    assert 0 < tablet.session.get_expiry_age() <= STUDENT_SESSION_SECONDS <= 8 * 3600


def test_codes_are_accepted_in_lower_case_and_with_spaces_or_dashes(world, tablet):
    badge = world.child.badge_code
    typed = f" {badge[:4].lower()}-{badge[4:].lower()} "

    sign_in(tablet, f" {world.class_group.class_code.lower()} ", typed)

    assert signed_in_user_id(tablet) == world.child.user.pk


def test_the_tablet_remembers_the_class_code_for_the_next_child(world, tablet):
    sign_in(tablet, world.class_group.class_code, world.child.badge_code)
    assert tablet.cookies[TABLET_CLASS_COOKIE].value == world.class_group.class_code
    assert tablet.cookies[TABLET_CLASS_COOKIE]["httponly"]

    # The next child on the same tablet: the class code is already there, only the badge is left to give.
    tablet.post(reverse("logout"))
    page = tablet.get(SIGNIN).content.decode()
    assert f'value="{world.class_group.class_code}"' in page
    sign_in(tablet, world.class_group.class_code, world.classmate.badge_code)
    assert signed_in_user_id(tablet) == world.classmate.user.pk


def test_a_child_signing_out_lands_on_the_student_sign_in_page_with_the_class_code_filled(world, tablet):
    """On a shared tablet the next child signs in with their badge: the sign-out button takes them there."""
    sign_in(tablet, world.class_group.class_code, world.child.badge_code)

    response = tablet.post(reverse("logout"), follow=True)

    assert response.redirect_chain == [(SIGNIN, 302)]
    assert signed_in_user_id(tablet) is None
    page = response.content.decode()
    assert 'name="badge_code"' in page
    assert f'value="{world.class_group.class_code}"' in page
    assert world.child.badge_code not in page


@pytest.mark.parametrize(
    "target,lands_on",
    [
        ("/dashboard/", "/dashboard/"),
        ("https://evil.example/", SIGNIN),
        ("//evil.example/", SIGNIN),
    ],
    ids=["this site", "another site", "another site without scheme"],
)
def test_a_childs_sign_out_follows_next_only_on_this_site(world, tablet, target, lands_on):
    sign_in(tablet, world.class_group.class_code, world.child.badge_code)

    response = tablet.post(reverse("logout"), {"next": target})

    assert response.status_code == 302
    assert response["Location"] == lands_on
    assert signed_in_user_id(tablet) is None


def test_the_badge_qr_code_carries_the_badge_code_in_the_fragment_never_in_the_query(world, teacher, monkeypatch):
    """A fragment never reaches the server: the child's code stays out of logs, Referer and the tablet's history."""
    encoded: list[str] = []

    def recording_qr_data_uri(text: str, **kwargs) -> str:
        encoded.append(text)
        return qr_data_uri(text, **kwargs)

    monkeypatch.setattr(sheets, "qr_data_uri", recording_qr_data_uri)

    response = teacher.get(reverse("core:class_badges_pdf", args=[world.class_group.pk]))

    assert response.status_code == 200
    codes = [world.child.badge_code, world.classmate.badge_code]
    assert sorted(urlsplit(url).fragment for url in encoded) == sorted(f"badge={code}" for code in codes)
    for url in encoded:
        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc, parts.path, parts.query) == ("http", "testserver", SIGNIN, "")
        assert "?badge=" not in url


def test_a_badge_code_in_the_query_string_is_not_put_into_the_form(world, tablet):
    sign_in(tablet, world.class_group.class_code, world.child.badge_code)
    tablet.post(reverse("logout"))

    page = tablet.get(f"{SIGNIN}?badge={world.classmate.badge_code}").content.decode()

    assert f'value="{world.class_group.class_code}"' in page
    badge_field = re.search(r'<input[^>]*name="badge_code"[^>]*>', page)
    assert badge_field is not None
    assert "value=" not in badge_field.group(0)


@pytest.mark.parametrize(
    "case",
    ["wrong badge", "badge of a child in another class", "wrong class code", "class code of another class"],
)
def test_a_mismatch_shows_a_clear_message_and_signs_nobody_in(world, tablet, case):
    class_code, badge = {
        "wrong badge": (world.class_group.class_code, "ZZZZ2222"),
        "badge of a child in another class": (world.class_group.class_code, world.sibling.badge_code),
        "wrong class code": ("QQQQQQ", world.child.badge_code),
        "class code of another class": (world.other_class.class_code, world.child.badge_code),
    }[case]

    response = sign_in(tablet, class_code, badge)

    assert response.status_code == 400
    assert MISMATCH in response.content.decode()
    assert signed_in_user_id(tablet) is None
    assert TABLET_CLASS_COOKIE not in tablet.cookies


def test_a_tablet_that_failed_repeatedly_waits_even_for_the_right_badge(world, tablet):
    for attempt in range(FREE):
        response = sign_in(tablet, world.class_group.class_code, f"WRONG{attempt:03d}")
        assert MISMATCH in response.content.decode()

    response = sign_in(tablet, world.class_group.class_code, world.child.badge_code)

    assert response.status_code == 400
    assert "Too many failed attempts. Try again in 30 seconds." in response.content.decode()
    assert signed_in_user_id(tablet) is None


def test_wrong_badges_on_one_tablet_never_keep_a_child_on_another_tablet_out(world, tablet):
    """25 wrong badges for the class from one tablet: the child with the right badge at the next tablet signs in."""
    for attempt in range(25):
        sign_in(tablet, world.class_group.class_code, f"WRONG{attempt:03d}")

    next_tablet = another_tablet()
    sign_in(next_tablet, world.class_group.class_code, world.child.badge_code)

    assert signed_in_user_id(next_tablet) == world.child.user.pk


def test_the_tablet_keeps_its_own_id_in_a_long_lived_signed_cookie(world, tablet):
    cookie = tablet.cookies[TABLET_COOKIE]
    assert cookie["max-age"] >= 365 * 24 * 3600 and cookie["httponly"]
    first_id = cookie.value

    sign_in(tablet, world.class_group.class_code, world.child.badge_code)
    tablet.post(reverse("logout"))
    tablet.get(SIGNIN)

    assert tablet.cookies[TABLET_COOKIE].value == first_id
    assert another_tablet().cookies[TABLET_COOKIE].value != first_id


def test_a_forged_tablet_id_does_not_escape_the_wait(world, tablet):
    """A script dropping or forging the cookie is counted by its address, where its failures already are."""
    for attempt in range(FREE):
        sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), world.class_group.class_code, f"WRONG{attempt:03d}")
    scripted = Client(HTTP_ACCEPT_LANGUAGE="en")
    scripted.cookies[TABLET_COOKIE] = "made-up-tablet-id"

    response = sign_in(scripted, world.class_group.class_code, world.child.badge_code)

    assert LOCKED in response.content.decode()


def test_a_child_of_another_class_is_not_slowed_down_by_this_class_failures(world, tablet):
    for attempt in range(FREE):
        sign_in(tablet, world.class_group.class_code, f"WRONG{attempt:03d}")

    sign_in(tablet, world.sibling_class.class_code, world.sibling.badge_code)

    assert signed_in_user_id(tablet) == world.sibling.user.pk


def test_a_class_of_young_children_survives_a_morning_of_typos(world, tablet):
    for attempt in range(FREE - 1):
        sign_in(tablet, world.class_group.class_code, f"TYPO{attempt:03d}")

    sign_in(tablet, world.class_group.class_code, world.child.badge_code)

    assert signed_in_user_id(tablet) == world.child.user.pk


def test_a_reset_badge_stops_the_old_code_and_signs_out_whoever_used_it(world, tablet):
    old_code = world.child.badge_code
    sign_in(tablet, world.class_group.class_code, old_code)
    assert tablet.get(reverse("core:dashboard")).status_code == 200

    new_code = services.student_badge_reset(student=world.child)

    assert tablet.get(reverse("core:dashboard")).status_code == 302  # the session made with the old badge ended
    other_tablet = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = sign_in(other_tablet, world.class_group.class_code, old_code)
    assert MISMATCH in response.content.decode()
    assert signed_in_user_id(other_tablet) is None
    sign_in(other_tablet, world.class_group.class_code, new_code)
    assert signed_in_user_id(other_tablet) == world.child.user.pk


def test_a_child_who_has_left_the_school_cannot_sign_in(world, tablet):
    world.child.is_active = False
    world.child.save()

    response = sign_in(tablet, world.class_group.class_code, world.child.badge_code)

    assert MISMATCH in response.content.decode()
    assert signed_in_user_id(tablet) is None


def test_last_school_years_class_code_signs_nobody_in(world, tablet):
    last_year = services.school_year_ensure(city=world.city, start_year=world.school_year.start_year - 1)
    old_class = ClassGroup.objects.create(school=world.school, school_year=last_year, grade=2, name="1")
    world.child.enrollments.create(class_group=old_class, number=4)
    assert not SchoolYear.objects.active().filter(pk=last_year.pk).exists()

    response = sign_in(tablet, old_class.class_code, world.child.badge_code)

    assert MISMATCH in response.content.decode()
    assert signed_in_user_id(tablet) is None


def test_next_on_this_site_is_followed(world, tablet):
    detail = reverse("core:student_detail", args=[world.child.pk])
    codes = {"class_code": world.class_group.class_code, "badge_code": world.child.badge_code}
    # The page carries ``next`` from its address into its form.
    assert f'name="next" value="{detail}"' in tablet.get(f"{SIGNIN}?next={detail}").content.decode()

    assert tablet.post(SIGNIN, {**codes, "next": detail})["Location"] == detail
    assert tablet.post(f"{SIGNIN}?next={detail}", codes)["Location"] == detail
    assert tablet.post(SIGNIN, {**codes, "next": "/dashboard/"})["Location"] == "/dashboard/"


def test_a_mistyped_badge_keeps_next_for_the_second_try(world, tablet):
    detail = reverse("core:student_detail", args=[world.child.pk])
    codes = {"class_code": world.class_group.class_code, "next": detail}

    retry = tablet.post(SIGNIN, {**codes, "badge_code": "TYPO2345"})
    assert f'name="next" value="{detail}"' in retry.content.decode()

    assert tablet.post(SIGNIN, {**codes, "badge_code": world.child.badge_code})["Location"] == detail


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example/"])
def test_next_to_another_site_is_not_followed(world, tablet, target):
    response = tablet.post(
        SIGNIN, {"class_code": world.class_group.class_code, "badge_code": world.child.badge_code, "next": target}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("core:dashboard")
    assert signed_in_user_id(tablet) == world.child.user.pk


def test_the_sign_in_page_is_japanese_by_default(world):
    page = Client().get(SIGNIN).content.decode()

    assert '<html lang="ja">' in page


def test_typos_across_a_whole_school_behind_one_router_do_not_slow_down_other_classes(world):
    """Every tablet of a school shares the router's address: 135 typos spread over many classes slow none else."""
    router = {"REMOTE_ADDR": "192.0.2.10", "HTTP_ACCEPT_LANGUAGE": "en"}
    per_class = FREE - 1
    for class_number in range(15):
        for attempt in range(per_class):
            Client(**router).post(SIGNIN, {"class_code": f"CLS{class_number:03d}", "badge_code": f"TYPO{attempt:04d}"})
    assert SignInFailure.objects.filter(path=BADGE_PATH).count() == 15 * per_class

    tablet = Client(**router)
    sign_in(tablet, world.class_group.class_code, world.child.badge_code)

    assert signed_in_user_id(tablet) == world.child.user.pk


def test_one_address_guessing_across_many_classes_is_stopped_in_the_end(world):
    router = {"REMOTE_ADDR": "192.0.2.66", "HTTP_ACCEPT_LANGUAGE": "en"}
    guesser = RequestFactory().post(SIGNIN, **router)
    for guess in range(settings.LOGIN_THROTTLE_ROUTER_FREE_ATTEMPTS):
        throttle.attempt_begin(door=BADGE_PATH, scopes=badge_scopes(guesser, f"GUESS{guess}"))
    tablet = Client(**router)

    response = sign_in(tablet, world.class_group.class_code, world.child.badge_code)

    assert LOCKED in response.content.decode()
    assert signed_in_user_id(tablet) is None
