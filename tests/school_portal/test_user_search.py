"""The Wagtail admin's user search finds people by name, and on PostgreSQL through the trigram indexes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from school_portal.core.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    admin = User.objects.create_superuser(username="search-admin", password="x", email="admin@example.org")
    client = Client()
    client.force_login(admin)
    return client


def test_the_user_search_finds_a_part_of_a_username_in_any_case(admin_client):
    User.objects.create_user(username="SCALE-0417-g1234", display_name="山田 保護者")
    User.objects.create_user(username="scale-0003-s9", display_name="花子")
    response = admin_client.get(reverse("wagtailusers_users:index"), {"q": "0417-G12"})
    assert response.status_code == 200
    assert "SCALE-0417-g1234" in response.content.decode()
    assert "scale-0003-s9" not in response.content.decode()


def test_the_user_search_finds_an_email_address(admin_client):
    User.objects.create_user(username="t-1", email="kyoto.teacher@school.example.jp")
    response = admin_client.get(reverse("wagtailusers_users:index"), {"q": "KYOTO.teach"})
    assert "t-1" in response.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram indexes exist on PostgreSQL only")
def test_on_postgresql_the_search_is_served_by_the_trigram_indexes():
    query = User.objects.filter(username__icontains="0417-g12") | User.objects.filter(email__icontains="0417-g12")
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        # A handful of rows in a test: PostgreSQL would rightly scan them; forbid the scan to see what serves it.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)  # noqa: S608 - the SQL of our own queryset
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "core_user_username_upper_trgm" in plan
    assert "core_user_email_upper_trgm" in plan
