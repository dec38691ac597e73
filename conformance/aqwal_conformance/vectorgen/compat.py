"""Compatibility vectors: every v5 payload read with the v4 and the v5 registries."""

from __future__ import annotations

from collections.abc import Iterator

from aqwal.codec import encode_payload
from aqwal.declarations import V4_VARIANT_COUNT
from aqwal_conformance.valuegen import event_values
from aqwal_conformance.vectorgen.builders import (
    VARIANTS,
)
from aqwal_conformance.vectors import Vector


def compat_vectors() -> Iterator[Vector]:
    for index, variant in enumerate(VARIANTS):
        for shape, event in list(event_values(variant))[:2]:
            if index < V4_VARIANT_COUNT:
                yield Vector(
                    f"compat/v4-{variant}-{shape}",
                    "compat",
                    f"{variant} (WAL v4 subset): same value under v4 and v5",
                    "valid",
                    encode_payload(event),
                    ("REG-2", "REG-5"),
                )
            else:
                yield Vector(
                    f"compat/v5-only-{variant}-{shape}",
                    "compat",
                    f"{variant} exists only in v5: a v4 reader rejects it",
                    "invalid",
                    encode_payload(event),
                    ("REG-2", "REG-5", "ENC-15"),
                    error="unknown_variant",
                )
