"""Real services on this machine. A test that needs one skips, with the reason, when it is
not reachable; under REQUIRE_SERVICES=1 (as in CI) it fails instead."""

import os
import socket
import uuid
from contextlib import contextmanager

import pytest

POSTGRES = ("127.0.0.1", 5432)
START_HINT = "see the services section of README.md for how to start it"


def require(name: str, address: tuple[str, int]) -> None:
    try:
        socket.create_connection(address, timeout=3).close()
    except OSError as error:
        message = f"{name} is not reachable at {address[0]}:{address[1]} ({error}); {START_HINT}"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)


@contextmanager
def postgres_database():
    """A new, empty PostgreSQL database for one test; yields its name, drops it after."""
    require("PostgreSQL", POSTGRES)
    import psycopg

    name = f"cfp_{uuid.uuid4().hex[:12]}"
    admin = f"postgresql://postgres@{POSTGRES[0]}:{POSTGRES[1]}/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
