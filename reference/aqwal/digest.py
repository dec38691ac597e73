"""The state digest: SHA-256 of the state's canonical CBOR form (spec: DIG-1 .. DIG-4).

Two states are equal exactly when their digests are: the CBOR form holds every field of the
reducer state, every collection in a fixed order, encoded with RFC 8949 core deterministic
encoding.
"""

from __future__ import annotations

import hashlib

from aqwal.forms import CBOR_FORM, to_cbor_bytes
from aqwal.projection import state_form
from aqwal.state import ReplayState


def state_cbor(state: ReplayState) -> bytes:
    """The canonical CBOR bytes of a state (spec: DIG-2)."""
    return to_cbor_bytes(CBOR_FORM.dump("StateForm", state_form(state)))


def state_digest(state: ReplayState) -> str:
    """Lowercase hex SHA-256 of :func:`state_cbor` (spec: DIG-3)."""
    return hashlib.sha256(state_cbor(state)).hexdigest()
