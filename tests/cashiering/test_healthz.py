"""GET /healthz: 200 with the database reachable, 503 without; no login."""

from django.db import OperationalError, connection
from django.db.backends.postgresql.base import DatabaseWrapper
from django.urls import reverse


def test_healthz_is_200_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_does_not(client, db, monkeypatch):
    def unreachable(self, *args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(DatabaseWrapper, "cursor", unreachable)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_healthz_only_answers_get(client, db):
    assert client.post("/healthz").status_code == 405


def test_the_check_leaves_no_statement_timeout_behind(client, db):
    # Given the session's own statement timeout
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        before = cursor.fetchone()[0]

    # When the load balancer's check runs inside the same transaction
    assert client.get(reverse("healthz")).status_code == 200

    # Then its two seconds do not outlive it
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == before
