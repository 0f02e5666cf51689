"""A second factor for staff (django-otp TOTP, backup codes): offered to all staff, required of admins when on."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from school_portal.core.testing.world import PASSWORD

LOGIN = reverse("core:login")
ADMIN_LOGIN = reverse("wagtailadmin_login")
DASHBOARD = reverse("core:dashboard")
ADMIN = reverse("wagtailadmin_home")
ENROL = reverse("core:two_factor_enrol")
VERIFY = reverse("core:two_factor_verify")


@pytest.fixture
def required(settings):
    settings.STAFF_TWO_FACTOR_REQUIRED = True


def signed_in(username: str, url: str = LOGIN) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.post(url, {"username": username, "password": PASSWORD}).status_code == 302
    return client


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead):06d}"


def enrol(client: Client) -> tuple[TOTPDevice, list[str]]:
    page = client.get(ENROL).content.decode()
    assert 'src="data:image/svg+xml;base64,' in page  # the QR code, served inline (no third party)
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(ENROL, {"code": code_for(device)})
    assert response.status_code == 200
    return device, re.findall(r"<li><code>([a-z0-9]+)</code></li>", response.content.decode())


def test_with_the_requirement_on_a_school_admin_must_enrol_before_anything_else(world, required):
    admin = signed_in("m-school_admin", ADMIN_LOGIN)

    for url in (DASHBOARD, ADMIN):
        response = admin.get(url)
        assert response.status_code == 302 and response["Location"].startswith(ENROL)
    device, backup_codes = enrol(admin)

    assert len(backup_codes) == 10
    assert admin.get(ADMIN).status_code == 200
    assert admin.get(DASHBOARD).status_code == 200


@pytest.mark.parametrize("username", ["m-school_admin", "m-centre"])
def test_after_the_password_an_enrolled_admin_is_asked_for_a_code_even_for_the_wagtail_admin(world, required, username):
    first = signed_in(username)
    device, _codes = enrol(first)

    later = signed_in(username, ADMIN_LOGIN)
    response = later.get(ADMIN)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    wrong = later.post(VERIFY, {"code": "000000", "next": ADMIN})
    assert "That code is not right." in wrong.content.decode()
    assert later.get(ADMIN).status_code == 302
    time.sleep(1.1)  # django-otp makes the next try after a wrong code wait (1 s, then doubling)

    right = later.post(VERIFY, {"code": code_for(device, steps_ahead=1), "next": ADMIN})

    assert right["Location"] == ADMIN
    assert later.get(ADMIN).status_code == 200


def test_a_backup_code_gets_in_once(world, required):
    _device, codes = enrol(signed_in("m-school_admin"))

    lost_phone = signed_in("m-school_admin")
    lost_phone.post(VERIFY, {"code": codes[0]})
    assert lost_phone.get(DASHBOARD).status_code == 200

    again = signed_in("m-school_admin")
    again.post(VERIFY, {"code": codes[0]})
    assert again.get(DASHBOARD).status_code == 302


def test_a_teacher_is_offered_a_second_factor_but_not_made_to_have_one(world, required):
    teacher = signed_in("m-homeroom_teacher")

    assert teacher.get(DASHBOARD).status_code == 200
    assert ENROL in teacher.get(reverse("core:account")).content.decode()


def test_a_teacher_who_chose_a_second_factor_is_asked_for_it(world):
    _device, _codes = enrol(signed_in("m-homeroom_teacher"))

    later = signed_in("m-homeroom_teacher")

    assert later.get(DASHBOARD)["Location"].startswith(VERIFY)


def test_with_the_requirement_off_an_admin_without_a_device_goes_straight_in(world):
    assert signed_in("m-school_admin", ADMIN_LOGIN).get(ADMIN).status_code == 200
