"""The database settings Candour derives from DATABASE_URL."""

from django.db import connection

from candour.config.settings import database_from_env


def test_postgresql_connections_turn_jit_compilation_off(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://candour@db:5432/candour")
    config = database_from_env()
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["OPTIONS"]["options"] == "-c jit=off"


def test_the_connection_in_use_has_no_jit(db):
    if connection.vendor != "postgresql":
        # SQLite has no JIT; its own settings are checked by the connection's pragmas.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
