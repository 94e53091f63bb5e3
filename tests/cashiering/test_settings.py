"""Settings come from the environment, and production refuses to start without a secret key."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _import_settings(**env):
    environment = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "-c", "import cashiering.settings as s; print(s.DEBUG, s.ALLOWED_HOSTS)"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_without_secret_key_refuses_to_start():
    result = _import_settings(DEBUG="false", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_settings_come_from_the_environment():
    result = _import_settings(
        DEBUG="false", SECRET_KEY="x" * 50, ALLOWED_HOSTS="cashier.example.gov, 10.0.0.5"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['cashier.example.gov', '10.0.0.5']"


def test_a_database_other_than_postgresql_is_refused():
    result = _import_settings(DATABASE_URL="sqlite:///tmp/nope.sqlite3")
    assert result.returncode != 0
    assert "DATABASE_URL must point at PostgreSQL" in result.stderr
