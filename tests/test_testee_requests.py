"""The reference testee answers every request, however malformed, and keeps serving
(spec: CP-13); the example IUT is the same robust loop."""

from __future__ import annotations

import io
import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import cbor2
import pytest

from aqwal.forms import to_cbor_bytes
from aqwal_conformance.protocol import REQUEST_MALFORMED, decode_body, encode_message
from aqwal_conformance.testee import answer, handle
from aqwal_conformance.testee_server import serve

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "conformance" / "examples" / "reference_testee.py"
SERVERS = {
    "testee_server": [sys.executable, "-m", "aqwal_conformance.testee_server"],
    "example": [sys.executable, str(EXAMPLE)],
}
HELLO = {"kind": "hello", "protocol": 1, "id": 7}
RECORD = bytes.fromhex("0500000004000000dfbb6e9d010be807")

WRONG_MEMBERS: list[dict[str, Any]] = [
    {"kind": "decode_payload"},
    {"kind": "decode_payload", "input": "010be807"},
    {"kind": "decode_payload", "input": 5},
    {"kind": "decode_record", "input": RECORD, "options": 5},
    {"kind": "decode_record", "input": RECORD, "options": [1]},
    {"kind": "decode_record", "input": RECORD, "options": "strict"},
    *(
        {"kind": "decode_payload", "input": RECORD[12:], "options": {"wal_version": version}}
        for version in (6, "x", None, float("nan"), float("inf"), True, 4.0)
    ),
    {"kind": "decode_payload", "input": RECORD[12:], "options": {"strict": "yes"}},
    {"kind": "decode_payload", "input": RECORD[12:], "options": {"profile": "cron"}},
    {"kind": "encode_event"},
    {"kind": "validate_wal"},
    {"kind": "validate_wal", "log": "text"},
    {"kind": "replay"},
    {"kind": "replay", "log": 1},
    {"kind": "replay", "log": b"", "snapshot": None},
    {"kind": "load_snapshot"},
    {"kind": "load_snapshot", "snapshot": [1, 2]},
    {"kind": "load_snapshot", "snapshot": b"", "options": {"accept_older_schema": 1}},
    {"kind": "hello"},
    {"kind": "hello", "protocol": True},
    {"kind": 5},
    {"protocol": 1},
    {"kind": "hello", "protocol": 1, "id": -1},
    {"kind": "hello", "protocol": 1, "id": 2**64},
    {"kind": "hello", "protocol": 1, "id": "7"},
]


@pytest.mark.parametrize("request_", WRONG_MEMBERS, ids=lambda r: repr(r)[:60])
def test_wrong_members_are_request_malformed(request_: dict[str, Any]) -> None:
    response = handle(request_)
    assert response["error"]["code"] == REQUEST_MALFORMED, response
    assert isinstance(response["error"]["message"], str)
    assert "id" not in response  # none of these carries a valid id
    with_id = handle({**request_, "id": 3}) if "id" not in request_ else None
    assert with_id is None or with_id["id"] == 3


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\xff",
        b"not cbor at all",
        b"\x80",  # an array
        b"\x81" * 401 + b"\x00",  # nesting beyond the limit
        b"\xa1\x61\x61\x61\xff",  # invalid UTF-8
        bytes.fromhex("d82463613a62"),  # tag 36 (MIME)
        bytes.fromhex("a1626964d81c81d81d00"),  # a cyclic id (tags 28, 29)
        bytes.fromhex("a1626964c2591388") + b"\xff" * 5000,  # a 12,000-digit id
        bytes.fromhex("a10102"),  # an integer key
        b"\xa0\x00",  # a byte after the map
    ],
)
def test_unreadable_bodies_are_request_malformed(body: bytes) -> None:
    response = answer(body)
    assert set(response) == {"error"} and response["error"]["code"] == REQUEST_MALFORMED


def test_a_self_described_request_is_read() -> None:
    response = answer(b"\xd9\xd9\xf7" + to_cbor_bytes(HELLO))
    assert response["protocol"] == 1 and response["id"] == 7


def test_a_lone_surrogate_is_not_a_crash() -> None:
    # A snapshot whose JSON escapes a lone surrogate in a string the state keeps.
    data = (ROOT / "vectors" / "snapshot" / "defaults.bin").read_bytes()
    doc = re.sub(rb'"content_type":"[^"]*"', rb'"content_type":"\\ud800"', data[12:], count=1)
    assert doc != data[12:]
    snapshot = struct.pack("<III", 4, len(doc), zlib.crc32(doc)) + doc
    response = handle({"kind": "load_snapshot", "snapshot": snapshot})
    assert response["error"]["code"] == "form_syntax", response
    response = handle({"kind": "replay", "log": b"", "snapshot": snapshot})
    assert response["snapshot_used"] is False  # unusable: replayed from the empty state


def frames(*bodies: bytes) -> bytes:
    return b"".join(struct.pack("<I", len(b)) + b for b in bodies)


def responses(stream: bytes) -> list[dict[str, Any]]:
    out, pos = [], 0
    while pos < len(stream):
        (n,) = struct.unpack_from("<I", stream, pos)
        out.append(decode_body(stream[pos + 4 : pos + 4 + n]))
        pos += 4 + n
    return out


MIXED = frames(
    b"\xff",
    to_cbor_bytes({"kind": "decode_payload", "id": 1}),
    to_cbor_bytes({"kind": "decode_payload", "input": RECORD[12:], "options": 4, "id": 2}),
    to_cbor_bytes(HELLO),
)


def test_the_server_loop_keeps_serving_after_malformed_requests() -> None:
    out = io.BytesIO()
    assert serve(io.BytesIO(MIXED), out, io.StringIO()) == 0
    answers = responses(out.getvalue())
    assert [a.get("error", {}).get("code") for a in answers[:3]] == [REQUEST_MALFORMED] * 3
    assert [a.get("id") for a in answers] == [None, 1, 2, 7]
    assert answers[3]["protocol"] == 1


@pytest.mark.parametrize("server", sorted(SERVERS))
def test_servers_survive_malformed_requests_and_refuse_oversized_frames(server: str) -> None:
    done = subprocess.run(SERVERS[server], input=MIXED, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    answers = responses(done.stdout)
    assert [a.get("id") for a in answers] == [None, 1, 2, 7]
    # a length prefix over 64 MiB: answered, then the server stops instead of reading on
    oversized = MIXED + struct.pack("<I", 64 * 1024 * 1024 + 1) + b"\x00" * 10
    done = subprocess.run(SERVERS[server], input=oversized, capture_output=True, timeout=60)
    assert done.returncode == 2
    answers = responses(done.stdout)
    assert len(answers) == 5 and answers[4]["error"]["code"] == REQUEST_MALFORMED
    assert b"Traceback" not in done.stderr
    truncated = encode_message(HELLO)[:-3]
    done = subprocess.run(SERVERS[server], input=truncated, capture_output=True, timeout=60)
    assert done.returncode == 2 and b"Traceback" not in done.stderr
    assert cbor2.loads(done.stdout[4:])["error"]["code"] == REQUEST_MALFORMED


def test_a_replay_without_snapshot_reads_one_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # one file created and removed instead of a data directory's tree, whose directories are
    # slow to make and remove on some file systems; the answer is that of the data directory
    import tempfile

    def no_directories(*args: object, **kwargs: object) -> object:
        raise AssertionError("a temporary directory was made")

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(tempfile, "TemporaryDirectory", no_directories)
    response = handle({"kind": "replay", "log": RECORD + RECORD[:5]})
    assert response == {"error": {"code": "incomplete_header", "offset": 16}}
    response = handle({"kind": "replay", "log": RECORD})
    assert (response["outcomes"], response["replayed"]) == ([None], 1)
    assert list(tmp_path.iterdir()) == []
