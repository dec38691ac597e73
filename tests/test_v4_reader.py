"""The WAL v4 reader (REG-5) reports bad payloads as the v5 reader does."""

from __future__ import annotations

import pytest

from aqwal.codec import decode_payload
from aqwal.errors import PayloadDecodeError

PAUSED = bytes.fromhex("010be807")  # WalEvent{1, EnginePaused{1000}}


@pytest.mark.parametrize("size", range(len(PAUSED)))
def test_a_truncated_payload_is_unexpected_end_in_both_versions(size: int) -> None:
    # spec: ENC-16 — never a bare IndexError, whatever the registry
    errors = []
    for version in (4, 5):
        with pytest.raises(PayloadDecodeError) as info:
            decode_payload(PAUSED[:size], wal_version=version)
        errors.append((info.value.code, info.value.offset))
    assert errors == [("unexpected_end", size)] * 2
