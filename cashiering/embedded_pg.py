"""The embedded PostgreSQL server that `make run` and `make test` use when DATABASE_URL is unset."""

import sys
import warnings
from pathlib import Path
from urllib.parse import quote

PGDATA = Path(__file__).resolve().parent.parent / "var" / "pgdata"


def database_url(dbname: str = "cashiering") -> str:
    """Start the server under var/pgdata if it is not running, make sure `dbname` exists, and
    return its URL (a Unix socket, so it never collides with another server's port)."""
    import psycopg2

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import pgserver

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(PGDATA, cleanup_mode=None)  # None: keep serving after we exit
    socket_dir = str(server.get_postmaster_info().socket_dir)
    conn = psycopg2.connect(dbname="postgres", user="postgres", host=socket_dir)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{dbname}"')
    conn.close()
    return f"postgres://postgres@{quote(socket_dir, safe='')}/{dbname}"


if __name__ == "__main__":
    print(database_url(*sys.argv[1:2]))
