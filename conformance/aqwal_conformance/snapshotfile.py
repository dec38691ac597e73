"""Comparing a written snapshot file with the expected one (spec: CP-16, SNP-2, SNP-3, SNP-8).

A snapshot writer fixes every byte of its file but one thing: the order of the arrays that the
engine builds from hash maps (SNP-8). Two snapshot files are therefore the same snapshot when
they are byte-identical once the elements of those arrays are put in the same order. The
comparison never trusts the file under test: its payload is read by the reference's JSON
reader, which bounds nesting and refuses what JSON text cannot hold.
"""

from __future__ import annotations

import zlib
from typing import Any

from aqwal.errors import AqwalError
from aqwal.forms import parse_json_text, to_json_text
from aqwal_conformance.iut import show

HEADER_LEN = 12
#: The frame version of a snapshot file (spec: SNP-2).
SNAPSHOT_FRAME_VERSION = 4
#: The arrays of a snapshot document whose order the writer chooses (spec: SNP-8); every other
#: array, ``ledger_entries`` included, has a fixed order.
FREE_ORDER = (
    "tasks",
    "runs",
    "dependency_declarations",
    "budgets",
    "subscriptions",
    "actors",
    "tenants",
    "role_assignments",
    "capability_grants",
)


def snapshot_difference(got: bytes, want: bytes) -> str | None:
    """Why the snapshot file ``got`` is not the snapshot file ``want`` up to the order of the
    arrays of :data:`FREE_ORDER`, or None when it is (spec: CP-16). ``want`` is trusted."""
    problem = _frame_problem(got)
    if problem is not None:
        return problem
    expected: dict[str, Any] = parse_json_text(want[HEADER_LEN:])
    try:
        document = parse_json_text(got[HEADER_LEN:])
    except AqwalError as exc:
        return f"the snapshot payload is not JSON text: {exc.code} at byte {_at(exc.offset)}"
    if not isinstance(document, dict):
        return "the snapshot payload is not a JSON object"
    in_its_order = dict(expected)
    for key in FREE_ORDER:
        elements = document.get(key)
        if not isinstance(elements, list):
            what = "missing" if key not in document else "not an array"
            return f"the snapshot's {key!r} is {what}"
        order = _matching(expected[key], elements, key)
        if isinstance(order, str):
            return order
        in_its_order[key] = [expected[key][i] for i in order]
    text = _compact(in_its_order)
    payload = got[HEADER_LEN:]
    if payload != text:
        at = next((i for i, (a, b) in enumerate(zip(payload, text, strict=False)) if a != b), None)
        at = min(len(payload), len(text)) if at is None else at
        return (
            f"the snapshot payload differs from the expected text at byte {HEADER_LEN + at}: "
            f"{show(payload[at : at + 24])}, expected {show(text[at : at + 24])} (SNP-2, SNP-3)"
        )
    return None


def _frame_problem(data: bytes) -> str | None:
    """The frame of a snapshot file as a writer must write it (spec: SNP-2)."""
    if len(data) < HEADER_LEN:
        return f"the snapshot file has {len(data)} byte(s), fewer than its 12-byte header"
    version = int.from_bytes(data[0:4], "little")
    length = int.from_bytes(data[4:8], "little")
    crc = int.from_bytes(data[8:12], "little")
    if version != SNAPSHOT_FRAME_VERSION:
        return f"the snapshot file's frame version is {version}, expected 4 (SNP-2)"
    if length != len(data) - HEADER_LEN:
        return (
            f"the snapshot file declares a payload of {length} byte(s) and holds "
            f"{len(data) - HEADER_LEN} (SNP-2)"
        )
    actual = zlib.crc32(data[HEADER_LEN:])
    if actual != crc:
        return f"the snapshot file's CRC-32 is 0x{crc:08x}, its payload's 0x{actual:08x} (SNP-2)"
    return None


def _matching(expected: list[Any], got: list[Any], key: str) -> list[int] | str:
    """The expected elements' indices in the order of ``got``, or why ``got`` is not a
    permutation of ``expected``."""
    if len(got) != len(expected):
        return f"the snapshot's {key!r} has {len(got)} element(s), expected {len(expected)}"
    unused: dict[str, list[int]] = {}
    for i, element in enumerate(expected):
        unused.setdefault(_compact(element).decode("utf-8"), []).append(i)
    order: list[int] = []
    for n, element in enumerate(got):
        try:
            candidates = unused.get(_compact(element).decode("utf-8"))
        except (TypeError, ValueError):  # an integer too long to convert (parse_json_text)
            candidates = None
        if not candidates:
            return f"element {n} of the snapshot's {key!r} is none of the expected ones"
        order.append(candidates.pop(0))
    return order


def _compact(value: Any) -> bytes:
    """A JSON value as serde_json writes it (spec: JSN-1, JSN-11), as bytes."""
    return to_json_text(value).encode("utf-8")


def _at(offset: int | None) -> str:
    return "?" if offset is None else str(HEADER_LEN + offset)
