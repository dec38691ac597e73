"""The processes the tests start share a private bytecode cache where the environment forbids
writing bytecode (tests/bytecode_cache.py)."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from tests.bytecode_cache import (
    CACHE_VARIABLE,
    child_environment,
    make_bytecode_cache,
    remove_bytecode_cache,
)

ROOT = Path(__file__).resolve().parents[1]


def test_an_environment_that_allows_bytecode_is_left_alone() -> None:
    environ = {"PATH": "/bin", "PYTHONDONTWRITEBYTECODE": ""}
    assert make_bytecode_cache(environ) is None
    assert environ == {"PATH": "/bin", "PYTHONDONTWRITEBYTECODE": ""}
    assert child_environment({**environ, CACHE_VARIABLE: "/somewhere"}) == {}


def test_forbidden_bytecode_goes_to_a_private_directory_that_is_removed() -> None:
    environ = {"PATH": "/bin", "PYTHONDONTWRITEBYTECODE": "1"}
    cache = make_bytecode_cache(environ)
    assert cache is not None
    try:
        # the session's own processes keep the environment's switches
        assert environ == {
            "PATH": "/bin",
            "PYTHONDONTWRITEBYTECODE": "1",
            CACHE_VARIABLE: str(cache),
        }
        assert make_bytecode_cache(environ) is None  # a worker inherits the first one's
        assert child_environment(environ) == {
            "PYTHONDONTWRITEBYTECODE": None,
            "PYTHONPYCACHEPREFIX": str(cache),
        }
        assert cache.is_dir() and ROOT not in cache.resolve().parents
        assert stat.S_IMODE(cache.stat().st_mode) == 0o700
        (cache / "module.cpython-311.pyc").write_bytes(b"")
    finally:
        remove_bytecode_cache(cache)
    assert not cache.exists()


def test_the_tests_let_the_processes_they_start_keep_bytecode() -> None:
    assert not os.environ.get("PYTHONDONTWRITEBYTECODE")
    prefix = os.environ.get("PYTHONPYCACHEPREFIX")
    assert prefix is None or Path(prefix).is_dir()
    if os.environ.get(CACHE_VARIABLE):
        # this process was started without the prefix, and reads installed bytecode
        assert sys.pycache_prefix is None and sys.dont_write_bytecode
