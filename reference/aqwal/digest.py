"""The state digest: SHA-256 of the state's canonical CBOR form (spec: DIG-1 .. DIG-4).

Two states are equal exactly when their digests are: the CBOR form holds every field of the
reducer state, every collection in a fixed order, encoded with RFC 8949 core deterministic
encoding. The bytes are produced piece by piece (one collection entry at a time), so hashing a
large state needs no second copy of it in memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from aqwal.declarations import ALL_TYPES
from aqwal.forms import CBOR_FORM, to_cbor_bytes
from aqwal.projection import engine_entry, state_collections
from aqwal.state import ReplayState

_STATE_FIELDS = ALL_TYPES.struct("StateForm").fields
_ELEMENT_TYPES = {
    f.name: f.wire.inner.name  # type: ignore[union-attr]
    for f in _STATE_FIELDS
    if f.name not in ("latest_sequence", "engine")
}
# spec: DIG-2 — a map's entries in the order of their encoded keys (all keys are text strings)
_KEY_ORDER = sorted(_STATE_FIELDS, key=lambda f: to_cbor_bytes(f.name))


def _head(major: int, value: int) -> bytes:
    """The shortest CBOR head of a major type and argument (RFC 8949 §4.2.1): that of the
    unsigned integer ``value`` (major type 0) with the major type changed."""
    encoded = to_cbor_bytes(value)
    return bytes([encoded[0] | major << 5]) + encoded[1:]


def iter_state_cbor(state: ReplayState) -> Iterator[bytes]:
    """The canonical CBOR bytes of a state (spec: DIG-2), in pieces."""
    collections = state_collections(state)
    yield _head(5, len(_STATE_FIELDS))
    for f in _KEY_ORDER:
        yield to_cbor_bytes(f.name)
        if f.name == "latest_sequence":
            yield to_cbor_bytes(state.latest_sequence)
        elif f.name == "engine":
            yield to_cbor_bytes(CBOR_FORM.dump("SnapshotEngineControl", engine_entry(state)))
        else:
            count, entries = collections[f.name]
            yield _head(4, count)
            element = _ELEMENT_TYPES[f.name]
            for entry in entries:
                yield to_cbor_bytes(CBOR_FORM.dump(element, entry))


def state_cbor(state: ReplayState) -> bytes:
    """The canonical CBOR bytes of a state (spec: DIG-2)."""
    return b"".join(iter_state_cbor(state))


def state_digest(state: ReplayState) -> str:
    """Lowercase hex SHA-256 of :func:`state_cbor` (spec: DIG-3)."""
    h = hashlib.sha256()
    for piece in iter_state_cbor(state):
        h.update(piece)
    return h.hexdigest()
