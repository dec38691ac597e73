"""Robustness: hostile inputs into every decoder and form reader give values or aqwal errors.

The CI profile runs a bounded number of inputs; ``AQWAL_FUZZ_EXAMPLES=1000000`` (with the
``long`` Hypothesis profile) runs the long campaign: that many binary inputs and that many
documents.
"""

from __future__ import annotations

import os
import tracemalloc

from hypothesis import HealthCheck, given, settings

from aqwal_conformance.fuzz import (
    exercise,
    exercise_document,
    hostile_documents,
    hostile_inputs,
)

EXAMPLES = int(os.environ.get("AQWAL_FUZZ_EXAMPLES", "600"))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=hostile_inputs())
def test_hostile_inputs_only_raise_aqwal_errors(data: bytes) -> None:
    exercise(data)


@settings(
    max_examples=min(EXAMPLES, 100),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=hostile_inputs())
def test_memory_is_bounded_by_the_input(data: bytes) -> None:
    tracemalloc.start()
    try:
        exercise(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # decoders hold a few copies of the input plus bounded bookkeeping
    assert peak < 8 * len(data) + 512 * 1024


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=hostile_documents())
def test_hostile_documents_only_raise_aqwal_errors(data: bytes) -> None:
    # spec: ERR-1, JSN-1, JSN-15, CBR-5, SNP-4
    exercise_document(data)


@settings(
    max_examples=min(EXAMPLES, 100),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=hostile_documents())
def test_document_memory_is_bounded_by_the_input(data: bytes) -> None:
    tracemalloc.start()
    try:
        exercise_document(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Parsed JSON and the values built from it take a few dozen bytes per input byte.
    assert peak < 64 * len(data) + 4 * 1024 * 1024
