"""Shared set-up for benchmarks: Django against a scratch copy of DATABASE_URL's server.

A benchmark writes thousands of rows; it does so in `<database>_bench`, made afresh and dropped
afterwards, never in the database the app uses."""

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cashiering.settings")
# Measure as production runs: DEBUG off (Django then keeps no log of every query).
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-any-server")


def report(name: str, value: float, unit: str) -> None:
    print(f"bench: {name} = {value:.2f} {unit}", flush=True)


def database_url() -> str:
    """The URL of the database Django uses now (the scratch one, inside scratch_database()),
    for a process of its own: a manage.py command, a server."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    user = quote(database.get("USER") or "", safe="")
    password = quote(database.get("PASSWORD") or "", safe="")
    host = quote(database.get("HOST") or "", safe="")
    port = f":{database['PORT']}" if database.get("PORT") else ""
    return f"postgres://{user}:{password}@{host}{port}/{database['NAME']}"


def run_command(*args: str) -> None:
    """A manage.py command in a process of its own, against the scratch database: a benchmark
    should not measure in a process still holding a million objects from building its data."""
    import subprocess

    env = {**os.environ, "DATABASE_URL": database_url()}
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


@contextmanager
def scratch_database():
    """Set Django up on a fresh, migrated `<name>_bench` database; drop it afterwards. Several
    benchmarks of one process (bench/reconciliation.py) each get a fresh one in turn."""
    import django
    import psycopg2
    from django.conf import settings

    database = settings.DATABASES["default"]
    original = database["NAME"]
    scratch = f"{original}_bench"
    params = {
        "dbname": "postgres",
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
    }

    def admin(sql: str) -> None:
        conn = psycopg2.connect(**params)
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(sql)
        conn.close()

    admin(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{scratch}"')
    database["NAME"] = scratch
    django.setup()
    from django.core.management import call_command
    from django.db import connections

    try:
        call_command("migrate", verbosity=0)
        yield
    finally:
        connections.close_all()
        database["NAME"] = original  # the next benchmark of the process makes its own
        admin(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
