"""Real services on this machine. A test that needs one skips, with the reason, when it is
not reachable; under REQUIRE_SERVICES=1 (as in CI) it fails instead."""

import os
import socket
import uuid
from contextlib import contextmanager

import pytest

POSTGRES = ("127.0.0.1", 5432)
MARIADB = ("127.0.0.1", 3306)
REDIS = ("127.0.0.1", 6379)
START_HINT = "see the services section of README.md for how to start it"


def unavailable(message: str):
    """Skip the test for a missing service or program, saying why; fail under
    REQUIRE_SERVICES=1, where everything a test needs must be there."""
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(message)
    pytest.skip(message)


def require(name: str, address: tuple[str, int]) -> None:
    try:
        socket.create_connection(address, timeout=3).close()
    except OSError as error:
        unavailable(f"{name} is not reachable at {address[0]}:{address[1]} ({error}); {START_HINT}")


class Database:
    """A fresh database on a real server: its URL as the platform gives it, and a way to
    ask the server what tables and rows it holds."""

    def __init__(self, url: str, query, tables_sql: str):
        self.url = url
        self._query = query
        self._tables_sql = tables_sql

    def rows(self, sql: str) -> list[tuple]:
        return self._query(sql)

    def tables(self) -> set[str]:
        return {row[0] for row in self.rows(self._tables_sql)}


@contextmanager
def postgres_database():
    """A new, empty PostgreSQL database for one test; dropped after."""
    require("PostgreSQL", POSTGRES)
    import psycopg

    name = f"cfp_{uuid.uuid4().hex[:12]}"
    server = f"postgresql://postgres@{POSTGRES[0]}:{POSTGRES[1]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def query(sql):
        with psycopg.connect(f"{server}/{name}") as connection:
            return connection.execute(sql).fetchall()

    database = Database(
        f"postgres://postgres@{POSTGRES[0]}:{POSTGRES[1]}/{name}",
        query,
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
    )
    try:
        yield database
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def mariadb_database():
    """A new, empty MariaDB database for one test; dropped after."""
    require("MariaDB", MARIADB)
    import pymysql

    name = f"cfp_{uuid.uuid4().hex[:12]}"

    def query(sql, database=name):
        connection = pymysql.connect(
            host=MARIADB[0], port=MARIADB[1], user="root", database=database, autocommit=True
        )
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return list(cursor.fetchall())
        finally:
            connection.close()

    query(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4", database=None)
    database = Database(f"mysql://root@{MARIADB[0]}:{MARIADB[1]}/{name}", query, "SHOW TABLES")
    try:
        yield database
    finally:
        query(f"DROP DATABASE IF EXISTS `{name}`", database=None)


DATABASES = {"postgresql": postgres_database, "mysql": mariadb_database}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Redis databases that tests may claim for themselves (see private_redis_db); 0 is shared.
PRIVATE_REDIS_DATABASES = range(1, 12)


def redis_command(db: int, *words: str) -> bytes:
    """One command to the local Redis, on database db, in RESP: its raw reply."""
    request = [("SELECT", str(db)), words]
    payload = b"".join(
        b"*%d\r\n" % len(command)
        + b"".join(b"$%d\r\n%s\r\n" % (len(word.encode()), word.encode()) for word in command)
        for command in request
    )
    with socket.create_connection(REDIS, timeout=5) as connection:
        connection.sendall(payload)
        reply = b""
        while reply.count(b"\r\n") < 2:
            chunk = connection.recv(4096)
            if not chunk:
                break
            reply += chunk
    return reply.split(b"\r\n", 1)[1]


@contextmanager
def private_redis_db():
    """The number of a Redis database no other test holds meanwhile: claimed with SET NX
    (released at the end, or after an hour), emptied of RQ's keys before and after. For
    what has no key prefix of its own, such as RQ's queues and workers."""
    require("Redis", REDIS)
    claim, token = "cfp-tests:claimed", uuid.uuid4().hex
    for db in PRIVATE_REDIS_DATABASES:
        if redis_command(db, "SET", claim, token, "NX", "EX", "3600").startswith(b"+OK"):
            break
    else:
        unavailable(f"every Redis database in {PRIVATE_REDIS_DATABASES} is claimed by a test")
    forget_rq = "for _, key in ipairs(redis.call('KEYS', 'rq:*')) do redis.call('DEL', key) end"
    redis_command(db, "EVAL", forget_rq, "0")
    try:
        yield db
    finally:
        redis_command(db, "EVAL", forget_rq, "0")
        redis_command(db, "DEL", claim)
