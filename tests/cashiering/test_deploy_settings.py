"""Production settings (DEBUG off) pass `manage.py check --deploy` with no warning."""

import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _production_env(**extra: str) -> dict[str, str]:
    settings_dict = connection.settings_dict
    # The host quoted: the embedded server is reached by its socket directory, a path.
    host = quote(settings_dict["HOST"] or "127.0.0.1", safe="")
    database_url = (
        f"postgres://{quote(settings_dict['USER'] or '', safe='')}@{host}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    # Production's environment: none of the test run's own (the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly refuses).
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE_", "SESSION_", "CSRF_", "DJANGO_"))
    }
    environment.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="cashier.example.gov",
        DATABASE_URL=database_url,
        **extra,
    )
    return environment


def _check_deploy(**extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(**extra),
        capture_output=True,
        text=True,
        check=False,
    )


def _setting(name: str, **extra: str) -> str:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import cashiering.settings as s; print(repr(s.{name}))"],
        cwd=ROOT,
        env=_production_env(**extra),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@pytest.mark.django_db
def test_production_settings_pass_check_deploy_with_no_warning():
    # given production's environment; when Django's deployment checks run
    result = _check_deploy()

    # then nothing is reported, not even a warning
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr + result.stdout


@pytest.mark.django_db
def test_behind_a_proxy_that_redirects_itself_the_app_does_not_redirect():
    # given the operator says the proxy terminates TLS and redirects (SECURE_SSL_REDIRECT=0)
    result = _check_deploy(SECURE_SSL_REDIRECT="0")

    # then Django does not redirect, and check --deploy is still clean (W008 is that decision)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _setting("SECURE_SSL_REDIRECT", SECURE_SSL_REDIRECT="0") == "False"
    assert _setting("SECURE_PROXY_SSL_HEADER") == "('HTTP_X_FORWARDED_PROTO', 'https')"


@pytest.mark.django_db
def test_production_defaults():
    assert _setting("SECURE_HSTS_SECONDS") == "31536000"
    assert _setting("SECURE_SSL_REDIRECT") == "True"
    assert _setting("SESSION_COOKIE_SECURE") == "True"
    assert _setting("CSRF_COOKIE_SECURE") == "True"
    assert _setting("CSRF_COOKIE_HTTPONLY") == "True"
    assert _setting("SESSION_COOKIE_HTTPONLY") == "True"
    assert _setting("X_FRAME_OPTIONS") == "'DENY'"
    assert _setting("SECURE_REFERRER_POLICY") == "'same-origin'"
    assert _setting("SECURE_CROSS_ORIGIN_OPENER_POLICY") == "'same-origin'"


def test_healthz_answers_plain_http_while_pages_redirect_to_https(client, db, settings):
    # given production's redirect to HTTPS
    settings.SECURE_SSL_REDIRECT = True

    # when a load balancer probes over plain HTTP, and a person opens a page over plain HTTP
    probe = client.get("/healthz")
    page = client.get("/accounts/login/")

    # then the probe is answered and the page is sent to https://
    assert probe.status_code == 200
    assert page.status_code == 301
    assert page["Location"].startswith("https://")


def test_behind_the_proxy_a_forwarded_https_request_is_not_redirected(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000

    response = client.get("/accounts/login/", headers={"x-forwarded-proto": "https"})

    assert response.status_code == 200
    assert response["Strict-Transport-Security"].startswith("max-age=")
