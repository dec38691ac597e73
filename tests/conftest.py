"""Test configuration: Hypothesis profiles, and one bytecode cache for the processes the tests
start.

``ci`` (default) is derandomized and bounded so runs are reproducible; ``dev`` and ``long`` are
opt-in through ``AQWAL_HYPOTHESIS_PROFILE``. Where the environment forbids writing bytecode, the
Python processes the tests start keep it in a private temporary directory instead
(``tests/bytecode_cache.py``), removed when the session ends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.bytecode_cache import child_environment, make_bytecode_cache, remove_bytecode_cache

_profiles_loaded = False


def pytest_collectstart(collector: pytest.Collector) -> None:
    """Hypothesis and its profiles, loaded by a process that collects tests before it imports
    any test module (their settings objects take the loaded profile's values). The
    pytest-xdist controller collects nothing and starts its workers without importing
    Hypothesis."""
    global _profiles_loaded
    if not _profiles_loaded:
        _load_hypothesis_profile()
        _profiles_loaded = True


def _load_hypothesis_profile() -> None:
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "ci",
        derandomize=True,
        max_examples=60,
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    settings.register_profile(
        "dev",
        max_examples=300,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.register_profile(
        "long",
        max_examples=20_000,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.load_profile(os.environ.get("AQWAL_HYPOTHESIS_PROFILE", "ci"))


#: Made by the first process of the session (pytest-xdist's workers inherit its name).
_BYTECODE_CACHE = make_bytecode_cache(os.environ)


@pytest.fixture(scope="session", autouse=True)
def _started_processes_keep_bytecode() -> Iterator[None]:
    """In the process that runs the tests, the environment its children inherit."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in child_environment(os.environ).items():
            if value is None:
                patch.delenv(name)
            else:
                patch.setenv(name, value)
        yield


def pytest_unconfigure(config: pytest.Config) -> None:
    if _BYTECODE_CACHE is not None:
        remove_bytecode_cache(_BYTECODE_CACHE)
