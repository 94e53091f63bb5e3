"""GET /healthz: 200 with the database reachable, 503 without; no login."""

from django.db import OperationalError
from django.db.backends.postgresql.base import DatabaseWrapper


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
