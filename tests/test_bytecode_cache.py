"""The test session's processes share a private bytecode cache where the environment forbids
writing bytecode (tests/bytecode_cache.py)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tests.bytecode_cache import remove_bytecode_cache, share_bytecode_cache

ROOT = Path(__file__).resolve().parents[1]


def test_an_environment_that_allows_bytecode_is_left_alone() -> None:
    environ = {"PATH": "/bin", "PYTHONDONTWRITEBYTECODE": ""}
    assert share_bytecode_cache(environ) is None
    assert environ == {"PATH": "/bin", "PYTHONDONTWRITEBYTECODE": ""}


def test_forbidden_bytecode_goes_to_a_private_directory_that_is_removed() -> None:
    environ = {"PATH": "/bin", "PYTHONDONTWRITEBYTECODE": "1"}
    cache = share_bytecode_cache(environ)
    assert cache is not None
    try:
        assert environ == {"PATH": "/bin", "PYTHONPYCACHEPREFIX": str(cache)}
        assert cache.is_dir() and ROOT not in cache.resolve().parents
        assert stat.S_IMODE(cache.stat().st_mode) == 0o700
        (cache / "module.cpython-311.pyc").write_bytes(b"")
    finally:
        remove_bytecode_cache(cache)
    assert not cache.exists()


def test_the_session_lets_the_processes_it_starts_keep_bytecode() -> None:
    assert not os.environ.get("PYTHONDONTWRITEBYTECODE")
    prefix = os.environ.get("PYTHONPYCACHEPREFIX")
    assert prefix is None or Path(prefix).is_dir()
