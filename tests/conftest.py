"""Test configuration: Hypothesis profiles, and one bytecode cache for the session's processes.

``ci`` (default) is derandomized and bounded so runs are reproducible; ``dev`` and ``long`` are
opt-in through ``AQWAL_HYPOTHESIS_PROFILE``. Where the environment forbids writing bytecode, the
Python processes the session starts keep it in a private temporary directory instead
(``tests/bytecode_cache.py``), removed when the session ends.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.bytecode_cache import remove_bytecode_cache, share_bytecode_cache

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

#: Made by the first process of the session (pytest-xdist's workers inherit its environment).
_BYTECODE_CACHE = share_bytecode_cache(os.environ)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _BYTECODE_CACHE is not None:
        remove_bytecode_cache(_BYTECODE_CACHE)
