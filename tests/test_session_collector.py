"""The test session's processes run their cyclic collector less often than Python's default
(tests/conftest.py)."""

from __future__ import annotations

import gc

from tests.conftest import YOUNG_COLLECTION_THRESHOLD


def test_the_session_collects_young_objects_less_often() -> None:
    assert gc.isenabled()
    assert gc.get_threshold()[0] == YOUNG_COLLECTION_THRESHOLD
