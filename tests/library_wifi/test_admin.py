"""The Wagtail admin: gateways with write-only secrets (board), a librarian editing their own library's page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from library_wifi import services, testing
from library_wifi.models import Gateway, LibraryPortalPage
from school_portal.core.models import Library

pytestmark = pytest.mark.django_db


def test_a_gateways_secrets_are_never_shown_back_and_kept_when_left_empty(world, client_as):
    gateway = testing.gateway(world.library, Gateway.Kind.COOVA, secret="uam-s3cret-value", login_password="pw-0ne")
    board = client_as("centre_staff")
    url = reverse("library_wifi_gateways:edit", args=[gateway.pk])
    page = board.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "uam-s3cret-value" not in html and "pw-0ne" not in html
    assert "A value is set; leave empty to keep it." in html or "値は設定済みです" in html

    form = {
        "library": world.library.pk,
        "name": "2F reading room",
        "kind": "coova",
        "key": gateway.key,
        "is_active": "on",
        "allowed_hosts": "10.1.0.1:3990",
        "opennds_level": "1",
        "opennds_gateway_name": "",
        "secret": "",
        "login_username": "guest",
        "login_password": "",
        "controller_url": "",
        "controller_site": "default",
    }
    assert board.post(url, form).status_code == 302
    gateway.refresh_from_db()
    assert (gateway.name, gateway.secret, gateway.login_password) == ("2F reading room", "uam-s3cret-value", "pw-0ne")
    board.post(url, {**form, "secret": "new-secret"})
    gateway.refresh_from_db()
    assert gateway.secret == "new-secret"


def test_a_librarian_edits_their_librarys_page_and_no_other(world, client_as):
    page = testing.portal_page(world.library)
    other_library = Library.objects.create(city=world.city, name="南図書館", slug="minami")
    other = testing.portal_page(other_library)
    services.librarian_editors_sync(library=world.library)
    librarian = client_as("librarian")

    edit = librarian.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert edit.status_code == 200
    assert librarian.get(reverse("wagtailadmin_pages:edit", args=[other.pk])).status_code in (302, 403)
    assert librarian.get(reverse("library_wifi_gateways:index")).status_code == 404


def test_only_the_librarians_of_the_library_join_its_editors(world):
    page = testing.portal_page(world.library)
    group = services.library_editors_group(page=page)
    services.librarian_editors_sync(library=world.library)
    assert list(group.user_set.all()) == [world.users["librarian"]]
    assert not world.users["centre_staff"].groups.filter(pk=group.pk).exists()
    assert LibraryPortalPage.objects.count() == 1
