"""The state digest: canonical CBOR checked against hand-written bytes (spec: DIG-1 .. DIG-4)."""

from __future__ import annotations

import hashlib

from aqwal import types as t
from aqwal.digest import state_cbor, state_digest
from aqwal.reducer import Reducer
from aqwal.state import ReplayState


def h(text: str) -> bytes:
    return bytes.fromhex("".join(text.split()))


# Written by hand from spec DIG-2 / CBR-1: a 12-entry map, text keys in length-first order.
EMPTY_STATE = h(
    """
    ac
    64 72756e73 80
    65 7461736b73 80
    66 6163746f7273 80
    66 656e67696e65 a3
       66 706175736564 f4
       69 7061757365645f6174 f6
       6a 726573756d65645f6174 f6
    67 62756467657473 80
    67 74656e616e7473 80
    6d 737562736372697074696f6e73 80
    6e 6c65646765725f656e7472696573 80
    6f 6c61746573745f73657175656e6365 00
    70 726f6c655f61737369676e6d656e7473 80
    71 6361706162696c6974795f6772616e7473 80
    77 646570656e64656e63795f6465636c61726174696f6e73 80
    """
)


def test_empty_state_bytes() -> None:
    assert state_cbor(ReplayState()) == EMPTY_STATE
    assert state_digest(ReplayState()) == hashlib.sha256(EMPTY_STATE).hexdigest()


def test_paused_engine_bytes() -> None:
    reducer = Reducer()
    reducer.apply(t.WalEvent(300, t.EnginePaused(1000)))
    expected = (
        EMPTY_STATE.replace(h("66 706175736564 f4"), h("66 706175736564 f5"))
        .replace(h("69 7061757365645f6174 f6"), h("69 7061757365645f6174 19 03e8"))
        .replace(
            h("6f 6c61746573745f73657175656e6365 00"),
            h("6f 6c61746573745f73657175656e6365 19 012c"),
        )
    )
    assert state_cbor(reducer.state) == expected


def test_tenant_bytes() -> None:
    # an identifier is a 16-byte byte string (CBR-2): 0x50 + 16 bytes
    reducer = Reducer()
    tenant = t.TenantId(bytes(range(16)))
    reducer.apply(t.WalEvent(1, t.TenantCreated(tenant, "é", 7)))
    tenant_map = h(
        """
        a3
        64 6e616d65 62 c3a9
        69 74656e616e745f6964 50 000102030405060708090a0b0c0d0e0f
        6a 637265617465645f6174 07
        """
    )
    expected = EMPTY_STATE.replace(
        h("67 74656e616e7473 80"), h("67 74656e616e7473 81") + tenant_map
    )
    expected = expected.replace(
        h("6f 6c61746573745f73657175656e6365 00"), h("6f 6c61746573745f73657175656e6365 01")
    )
    assert state_cbor(reducer.state) == expected


def test_equal_states_have_equal_digests_regardless_of_insertion_order() -> None:
    a, b = Reducer(), Reducer()
    t1 = t.TenantId(b"\x01" * 16)
    t2 = t.TenantId(b"\x02" * 16)
    a.apply(t.WalEvent(1, t.TenantCreated(t1, "one", 1)))
    a.apply(t.WalEvent(2, t.TenantCreated(t2, "two", 2)))
    b.apply(t.WalEvent(1, t.TenantCreated(t2, "two", 2)))
    b.apply(t.WalEvent(2, t.TenantCreated(t1, "one", 1)))
    assert state_digest(a.state) == state_digest(b.state)
    b.apply(t.WalEvent(3, t.ActorHeartbeat(t.ActorId(b"\x03" * 16), 3)))  # no-op, but sequence
    assert state_digest(a.state) != state_digest(b.state)


def test_collection_heads_take_one_to_nine_bytes() -> None:
    # spec: DIG-2 — shortest heads (RFC 8949 §4.2.1), written by hand
    from aqwal.digest import _head

    cases = {
        0: "80",
        23: "97",
        24: "98 18",
        255: "98 ff",
        256: "99 0100",
        65535: "99 ffff",
        65536: "9a 00010000",
        2**32 - 1: "9a ffffffff",
        2**32: "9b 0000000100000000",
    }
    for count, head in cases.items():
        assert _head(4, count) == h(head), count
    assert _head(5, 12) == h("ac")
