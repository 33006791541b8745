"""Real PostgreSQL and Redis for the scale-out tests (not a test module; imported by them).

The servers come from the environment — ``eval "$(scripts/test_services.sh start)"`` sets
``CONGVAN_TEST_POSTGRES_URL`` and ``CONGVAN_TEST_REDIS_URL``. Without them the tests skip with the
reason, except under ``CI=true``, where a missing server is a failure: CI must never pass by
silently skipping the scale-out tests.
"""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from typing import Iterator

import pytest

POSTGRES_ENV = "CONGVAN_TEST_POSTGRES_URL"
REDIS_ENV = "CONGVAN_TEST_REDIS_URL"


def service_url(variable: str, what: str) -> str:
    url = os.environ.get(variable)
    if url:
        return url
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{variable} is not set, but CI=true: CI must run the {what} tests "
                    f"(.ci/run starts the servers with scripts/test_services.sh)")
    pytest.skip(f"{variable} not set: no {what} server for this test "
                f"(run `eval \"$(scripts/test_services.sh start)\"` first)")


def postgres_url() -> str:
    return service_url(POSTGRES_ENV, "PostgreSQL")


def redis_url() -> str:
    return service_url(REDIS_ENV, "Redis")


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new empty database on the test server for one test (or module); dropped afterwards."""
    import psycopg

    name = f"congvan_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(server_url, name)
    try:
        yield url
    finally:
        _forget_engines(url)
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _forget_engines(url: str) -> None:
    """Close this process's pooled connections to a database about to be dropped."""
    from archive import db

    with db._databases_lock:
        database = db._databases.pop(url, None)
    if database is not None:
        database.engine.dispose()


def flush_redis(url: str) -> None:
    from redis import Redis

    Redis.from_url(url).flushdb()
