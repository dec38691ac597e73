"""Fuzzing the reference testee: every request, however malformed, gets a response map and
never an exception (spec: CP-13). Runs the derandomized `ci` profile by default;
AQWAL_HYPOTHESIS_PROFILE=long runs 20,000 examples per test."""

from __future__ import annotations

import io
import struct
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from aqwal.forms import to_cbor_bytes
from aqwal_conformance.protocol import REQUEST_KINDS, decode_body
from aqwal_conformance.testee import answer, handle
from aqwal_conformance.testee_server import serve

RECORD = bytes.fromhex("0500000004000000dfbb6e9d010be807")
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64 - 1)
    | st.floats()
    | st.text(max_size=8)
    | st.binary(max_size=24)
    | st.sampled_from([RECORD, RECORD[12:], RECORD + RECORD, 4, 5, "workflow", "default"])
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
options = st.dictionaries(
    st.sampled_from(["strict", "profile", "wal_version", "accept_older_schema", "other"]),
    values,
    max_size=3,
)
requests = st.dictionaries(
    st.sampled_from(["input", "log", "snapshot", "value", "protocol", "id", "other"]),
    values,
    max_size=4,
).flatmap(
    lambda members: st.builds(
        lambda kind, opts: {**members, "kind": kind, **({} if opts is None else {"options": opts})},
        st.sampled_from([*REQUEST_KINDS, "no_such_kind"]) | values,
        st.none() | options | values,
    )
)


def check_response(response: Any) -> None:
    assert isinstance(response, dict)
    to_cbor_bytes(response)  # the server can always send it
    if "error" in response:
        assert isinstance(response["error"], dict) and isinstance(response["error"]["code"], str)


@given(requests)
def test_every_request_map_gets_a_response(request: dict[str, Any]) -> None:
    check_response(handle(request))


@given(st.binary(max_size=64) | values.map(to_cbor_bytes) | requests.map(to_cbor_bytes))
def test_every_body_gets_a_response(body: bytes) -> None:
    check_response(answer(body))


@given(
    st.lists(st.binary(max_size=48) | requests.map(to_cbor_bytes), max_size=5),
    st.binary(max_size=6),
)
def test_the_server_answers_every_frame(bodies: list[bytes], tail: bytes) -> None:
    stream = b"".join(struct.pack("<I", len(b)) + b for b in bodies) + tail
    out = io.BytesIO()
    status = serve(io.BytesIO(stream), out, io.StringIO())
    data, pos, answered = out.getvalue(), 0, 0
    while pos < len(data):
        (n,) = struct.unpack_from("<I", data, pos)
        check_response(decode_body(data[pos + 4 : pos + 4 + n]))
        pos, answered = pos + 4 + n, answered + 1
    # every frame is answered; a broken tail is answered too, and ends the loop
    assert (status, answered) in ((0, len(bodies)), (2, len(bodies) + 1))
    assert status == 0 or tail
