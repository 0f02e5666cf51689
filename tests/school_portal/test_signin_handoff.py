"""One sign-in for the city portal and every school's site; the chosen language follows the person everywhere."""

from __future__ import annotations

from importlib import import_module
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from school_portal.core.handoff import HANDOFF_CHECKED_COOKIE
from school_portal.core.testing.world import PASSWORD

PORTAL = "localhost"
SCHOOL = "m-sakura.localhost"
OTHER_SCHOOL = "m-ume.localhost"
ARRIVING = {"HTTP_SEC_FETCH_MODE": "navigate", "HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_SEC_FETCH_DEST": "document"}


def follow(client: Client, location: str, **headers: str):
    """GET an absolute address the way a browser would, on its own host."""
    parts = urlsplit(location)
    path = f"{parts.path}?{parts.query}" if parts.query else parts.path
    return client.get(path, HTTP_HOST=parts.netloc or PORTAL, **headers)


def signed_in_on_portal(username: str = "m-homeroom_teacher") -> Client:
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = browser.post(reverse("core:login"), {"username": username, "password": PASSWORD}, HTTP_HOST=PORTAL)
    assert response.status_code == 302
    return browser


def visit_school(browser: Client, host: str = SCHOOL, path: str = "/"):
    """Arrive at a school's page from a link elsewhere (Wagtail's 「閲覧」), following every redirect."""
    response = browser.get(path, HTTP_HOST=host, **ARRIVING)
    hops = 0
    while response.status_code == 302 and hops < 5:
        response = follow(browser, response["Location"], **ARRIVING)
        hops += 1
    return response


def whoami(browser: Client, host: str) -> str | None:
    page = browser.get(reverse("core:dashboard"), HTTP_HOST=host)
    return None if page.status_code == 302 else page.wsgi_request.user.username


def test_a_teacher_signed_in_on_the_portal_arrives_signed_in_at_their_schools_site(world):
    teacher = signed_in_on_portal()

    page = visit_school(teacher)

    assert page.status_code == 200
    assert page.wsgi_request.get_host() == SCHOOL
    assert whoami(teacher, SCHOOL) == "m-homeroom_teacher"


def test_a_visitor_not_signed_in_comes_back_at_once_and_is_not_asked_again_for_a_while(world):
    visitor = Client()
    first = visitor.get("/", HTTP_HOST=SCHOOL, **ARRIVING)
    assert first.status_code == 302 and urlsplit(first["Location"]).hostname == PORTAL

    page = visit_school(visitor)

    assert page.status_code == 200 and whoami(visitor, SCHOOL) is None
    assert HANDOFF_CHECKED_COOKIE in visitor.cookies
    assert visitor.get("/", HTTP_HOST=SCHOOL, **ARRIVING).status_code == 200


def test_a_typed_address_or_a_bookmark_is_never_redirected(world):
    response = Client().get("/", HTTP_HOST=SCHOOL, HTTP_SEC_FETCH_MODE="navigate", HTTP_SEC_FETCH_SITE="none")

    assert response.status_code == 200


def test_a_pass_is_good_once_and_only_for_its_own_host(world):
    teacher = signed_in_on_portal()
    start = f"{reverse('core:handoff_start')}?{urlencode({'next': f'http://{SCHOOL}/'})}"
    accept = follow(teacher, f"http://{PORTAL}{start}")["Location"]
    token = parse_qs(urlsplit(accept).query)["token"][0]
    accept_path = f"{reverse('core:handoff_accept')}?{urlencode({'token': token, 'next': '/'})}"

    elsewhere = Client()
    elsewhere.get(accept_path, HTTP_HOST=OTHER_SCHOOL)
    assert whoami(elsewhere, OTHER_SCHOOL) is None  # another host: refused (and the pass is spent)
    again = Client()
    again.get(accept_path, HTTP_HOST=SCHOOL)
    assert whoami(again, SCHOOL) is None


def test_the_hand_off_goes_only_to_the_citys_own_sites(world):
    teacher = signed_in_on_portal()

    for target in ("https://evil.example/", "//evil.example/", "/dashboard/", "javascript:alert(1)"):
        response = teacher.get(reverse("core:handoff_start"), {"next": target}, HTTP_HOST=PORTAL)
        assert response.status_code == 400


@pytest.mark.parametrize("via", ["link", "form"])
@pytest.mark.parametrize(
    "target",
    [
        f"https://evil.example\\@{SCHOOL}/",  # a browser reads the backslash as a slash: evil.example gets the pass
        f"https://evil.example%5C@{SCHOOL}/",
        f"https://someone:secret@{SCHOOL}/",
        f"http://{SCHOOL}:9999/",  # the school's name on a port that is not its Site's
    ],
)
def test_a_school_address_dressed_up_to_lead_elsewhere_gets_no_pass(world, target, via):
    teacher = signed_in_on_portal()

    response = teacher.get(reverse("core:handoff_start"), {"next": target, "via": via}, HTTP_HOST=PORTAL)

    assert response.status_code == 400
    assert "evil.example" not in response.content.decode()


def test_the_sign_in_link_of_a_school_site_signs_in_on_the_portal_and_comes_back(world):
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    to_portal = browser.get(reverse("core:login"), HTTP_HOST=SCHOOL)
    assert urlsplit(to_portal["Location"]).hostname == PORTAL
    next_url = parse_qs(urlsplit(to_portal["Location"]).query)["next"][0]

    signed_in = browser.post(
        reverse("core:login"),
        {"username": "m-homeroom_teacher", "password": PASSWORD, "next": next_url},
        HTTP_HOST=PORTAL,
    )
    # After a form, a page moves on by itself (a redirect to another host would break the form's CSP).
    continuing = follow(browser, signed_in["Location"])
    assert continuing.status_code == 200
    accept_url = continuing.context["accept_url"]
    assert f'<meta http-equiv="refresh" content="0;url={accept_url}' in continuing.content.decode().replace(
        "&amp;", "&"
    )
    back = follow(browser, accept_url)

    assert back.status_code == 302 and back["Location"] == reverse("core:dashboard")
    assert whoami(browser, SCHOOL) == "m-homeroom_teacher"


@pytest.mark.parametrize("where", [PORTAL, SCHOOL])
def test_signing_out_on_either_host_ends_both(world, where):
    teacher = signed_in_on_portal()
    visit_school(teacher)

    teacher.post(reverse("logout"), HTTP_HOST=where)

    assert whoami(teacher, PORTAL) is None
    assert whoami(teacher, SCHOOL) is None


def test_with_a_common_parent_domain_the_cookie_is_shared_and_nothing_is_handed_over(world, settings):
    settings.SESSION_COOKIE_DOMAIN = ".localhost.example"

    response = Client().get("/", HTTP_HOST=SCHOOL, **ARRIVING)

    assert response.status_code == 200


def test_the_language_chosen_while_signed_in_follows_the_teacher_to_the_school_site(world):
    teacher = signed_in_on_portal()
    teacher.post(reverse("set_language"), {"language": "ja", "next": "/"}, HTTP_HOST=PORTAL)
    world.users["homeroom_teacher"].refresh_from_db()
    assert world.users["homeroom_teacher"].preferred_language == "ja"

    visit_school(teacher)
    page = teacher.get(reverse("core:dashboard"), HTTP_HOST=SCHOOL)  # no language cookie on this host

    assert '<html lang="ja">' in page.content.decode()


def test_a_language_chosen_before_signing_in_is_saved_to_the_account(world):
    browser = Client(HTTP_ACCEPT_LANGUAGE="ja")
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    browser.post(reverse("core:login"), {"username": "m-guardian", "password": PASSWORD})

    world.users["guardian"].refresh_from_db()
    assert world.users["guardian"].preferred_language == "en"
    phone = Client(HTTP_ACCEPT_LANGUAGE="ja")
    phone.post(reverse("core:login"), {"username": "m-guardian", "password": PASSWORD})
    assert '<html lang="en">' in phone.get(reverse("core:dashboard")).content.decode()


def test_without_a_choice_the_browsers_language_applies(world):
    assert world.users["guardian"].preferred_language == ""
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.post(reverse("core:login"), {"username": "m-guardian", "password": PASSWORD})

    assert '<html lang="en">' in browser.get(reverse("core:dashboard")).content.decode()


def test_a_child_handed_over_to_the_schools_site_is_signed_out_there_when_the_school_day_ends(world):
    """A shared tablet: the school site's session ends with the badge's (8 hours), not two weeks later."""
    tablet = Client(HTTP_ACCEPT_LANGUAGE="en")
    signed_in = tablet.post(
        reverse("core:student_signin"),
        {"class_code": world.class_group.class_code, "badge_code": world.child.badge_code},
        HTTP_HOST=PORTAL,
    )
    assert signed_in.status_code == 302
    store = import_module(settings.SESSION_ENGINE).SessionStore
    portal_session = store(session_key=tablet.cookies[settings.SESSION_COOKIE_NAME].value)
    start = f"{reverse('core:handoff_start')}?{urlencode({'next': f'http://{SCHOOL}/'})}"
    accept = follow(tablet, f"http://{PORTAL}{start}")["Location"]

    school_host = Client()  # the school's host keeps cookies of its own
    follow(school_host, accept)

    assert whoami(school_host, SCHOOL) == world.child.user.username
    school_session = store(session_key=school_host.cookies[settings.SESSION_COOKIE_NAME].value)
    assert school_session.session_key != portal_session.session_key
    assert school_session.get_expiry_date() <= portal_session.get_expiry_date()
