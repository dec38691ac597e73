"""Requests the runner does not re-encode (spec: CP-2, CP-6, CP-13): an ``encode`` case's value
goes into the body as the vector holds it, and a ``request`` case's body is sent as it is."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

import aqwal.cborinput
from aqwal.cborinput import read_cbor_item
from aqwal.errors import FormError
from aqwal.forms import to_cbor_bytes
from aqwal_conformance.iut import ProcessIUT, ReferenceIUT
from aqwal_conformance.protocol import (
    REQUEST_MALFORMED,
    BodyError,
    RawItem,
    decode_body,
    encode_body,
)
from aqwal_conformance.report import as_text
from aqwal_conformance.runner import Report, requests_for, run
from aqwal_conformance.vectors import evaluate, load_index, load_vector, write_vectors
from aqwal_conformance.wellformed import LimitExceeded, MalformedCBOR, item_end

ROOT = Path(__file__).resolve().parents[1]
VECTORS = ROOT / "vectors"
BROKEN = Path(__file__).parent / "testees" / "broken_testee.py"
EXAMPLE = ROOT / "conformance" / "examples" / "reference_testee.py"
INDEX = load_index(VECTORS)
#: A Python one-liner IUT that answers every request with the body it received.
ECHO = (
    "import struct,sys,cbor2\n"
    "i,o=sys.stdin.buffer,sys.stdout.buffer\n"
    "while len(h:=i.read(4))==4:\n"
    " b=cbor2.dumps({'body':i.read(struct.unpack('<I',h)[0])})\n"
    " o.write(struct.pack('<I',len(b))+b);o.flush()\n"
)


def vector(case_id: str) -> Any:
    entry = next(e for e in INDEX["vectors"] if e["id"] == case_id)
    return load_vector(VECTORS, entry)


def ids(category: str, prefix: str = "") -> list[str]:
    return [
        e["id"]
        for e in INDEX["vectors"]
        if e["category"] == category and e["id"].startswith(f"{category}/{prefix}")
    ]


# ---------------------------------------------------------------------------------------------
# verbatim values (CP-2, CP-6)


@pytest.mark.parametrize("case_id", ids("encode", "cbor-"))
def test_an_encode_body_holds_the_input_bytes_and_deterministic_keys(case_id: str) -> None:
    v = vector(case_id)
    ((_, request),) = requests_for(v)
    assert request["value"] == RawItem(v.input)
    marker = 0x0DEFACED  # the body of the same request with a marker for the value
    template = to_cbor_bytes({**request, "value": marker})
    assert encode_body(request) == template.replace(to_cbor_bytes(marker), v.input)
    value = decode_body(encode_body(request))["value"]
    assert to_cbor_bytes(value) == to_cbor_bytes(read_cbor_item(v.input))  # NaN != NaN


def test_a_process_iut_receives_the_input_bytes_unchanged() -> None:
    v = vector("encode/cbor-indefinite-bytes-empty-chunks")
    assert b"\x5f\x40" in v.input  # an indefinite-length byte string, an empty chunk first
    iut = ProcessIUT([sys.executable, "-c", ECHO], timeout=20)
    try:
        ((_, request),) = requests_for(v)
        body = iut.request(request)["body"]
    finally:
        iut.close()
    assert v.input in body
    assert body == encode_body({**request, "id": 1})


def test_in_process_objects_without_send_body_get_python_values() -> None:
    seen: list[dict[str, Any]] = []

    class Plain:
        name = "plain"

        def request(self, message: dict[str, Any]) -> dict[str, Any]:
            seen.append(message)
            return ReferenceIUT().request(message)

        def close(self) -> None:
            pass

    report = run(Plain(), vectors=VECTORS, categories=["encode", "request"], grading="exact")
    assert report.ok, as_text(report)
    assert report.count("skipped", "request") == len(ids("request"))
    assert report.count("passed", "encode") == len(ids("encode"))
    assert not any(isinstance(m.get("value"), RawItem) for m in seen)
    assert {"kind": "hello", "protocol": 1} in seen


# ---------------------------------------------------------------------------------------------
# the body check: the scan bounds, the CBOR-form reader judges (CP-2, CBR-5)


@given(st.binary(max_size=40))
def test_the_reader_refuses_every_body_the_scan_finds_malformed(data: bytes) -> None:
    try:
        item_end(data, max_depth=None)
    except LimitExceeded:
        return
    except MalformedCBOR:
        with pytest.raises(FormError):
            read_cbor_item(data)


def test_nesting_is_judged_by_the_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    body = to_cbor_bytes({"kind": "hello", "protocol": 1, "x": [[[0]]]})
    assert decode_body(body)["x"] == [[[0]]]
    monkeypatch.setattr(aqwal.cborinput, "MAX_DEPTH", 3)
    with pytest.raises(BodyError, match="nesting deeper than 3"):
        decode_body(body)


def test_trailing_bytes_and_bad_heads_are_the_readers_verdict(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hello = to_cbor_bytes({"kind": "hello", "protocol": 1})
    calls: list[bytes] = []
    real = aqwal.cborinput.read_cbor_item

    def counting(data: bytes) -> Any:
        calls.append(data)
        return real(data)

    monkeypatch.setattr("aqwal_conformance.protocol.read_cbor_item", counting)
    for body in (hello + b"\x00", b"\xfc", hello[:-1]):
        with pytest.raises(BodyError, match="invalid CBOR"):
            decode_body(body)
    assert len(calls) == 3


def test_too_many_items_are_refused_before_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("aqwal_conformance.protocol.read_cbor_item", None)  # never reached
    with pytest.raises(BodyError, match="more than 1048576 data items"):
        decode_body(b"\x9a\x00\x10\x00\x01" + b"\x00" * (1 << 20) + b"\x00")
    with pytest.raises(BodyError, match="container of"):
        decode_body(b"\xbb" + b"\xff" * 8)


def test_chunks_of_a_text_string_must_each_be_utf8() -> None:
    assert read_cbor_item(bytes.fromhex("7f62c3a96161ff")) == "éa"
    with pytest.raises(FormError) as caught:
        read_cbor_item(bytes.fromhex("7f61c361a9ff"))  # é split between two chunks
    assert (caught.value.code, caught.value.offset) == ("form_syntax", 1)
    assert bytes.fromhex("c3a9").decode() == "é" and cbor2.loads(bytes.fromhex("62c3a9")) == "é"


# ---------------------------------------------------------------------------------------------
# malformed-request cases (CP-13)


def test_request_cases_pass_for_both_reference_iuts() -> None:
    for iut in (None, f"{sys.executable} {EXAMPLE}"):
        report = run(iut, vectors=VECTORS, categories=["request", "encode"], grading="exact")
        assert report.ok, as_text(report)
        assert report.count("passed", "request") == len(ids("request")) >= 50
        assert report.restarts == 0


def broken(mode: str, vectors: Path = VECTORS) -> Report:
    return run(f"{sys.executable} {BROKEN} {mode}", vectors=vectors, categories=["request"])


def test_an_iut_that_reads_past_malformed_bodies_fails_those_cases() -> None:
    report = broken("lenient-bodies")
    failures = {r.id: r.detail for r in report.results if r.status == "failed"}
    assert {
        "request/trailing-map",
        "request/trailing-break",
        "request/integer-key",
        "request/nesting-129-arrays",
        "request/nesting-129-tags",
        "request/nesting-129-encode-event",
    } <= set(failures)
    assert failures["request/trailing-map"].startswith("answered {")
    assert "expected the refusal 'request_malformed'" in failures["request/trailing-map"]
    assert "error 'form_unknown_variant'" in failures["request/nesting-129-encode-event"]
    assert failures["request/hello-self-described"].startswith("refused a well-formed request")
    assert report.count("passed") > 0  # cbor2 itself refuses most malformed bodies


class _SeenToExit(ProcessIUT):
    """Returns an answer to a body only once the process that gave it has exited: what a slow
    runner on a loaded machine sees of an IUT that exits right after answering."""

    def send_body(self, body: bytes) -> dict[str, Any]:
        response = super().send_body(body)
        child = self._child
        assert child is not None
        child.proc.wait(timeout=30)
        return response


def test_an_iut_that_stops_after_a_malformed_body_fails_and_is_restarted(tmp_path: Path) -> None:
    chosen = [load_vector(VECTORS, e) for e in INDEX["vectors"] if e["id"] in
              ("request/break-alone", "request/empty")]  # fmt: skip
    for v in chosen:
        v.expected = evaluate(v)
    write_vectors(chosen, tmp_path / "set")
    command = f"{sys.executable} {BROKEN} exit-after-malformed"
    # spec: CP-13 — whether the runner's hello finds the process still running or already
    # gone, the cases fail (once they passed when it had exited: the hello restarted it)
    for iut in (command, _SeenToExit(command)):
        report = run(iut, vectors=tmp_path / "set", categories=["request"])
        assert [r.status for r in report.results] == ["failed", "failed"]
        assert all(
            r.detail.startswith("the IUT did not go on serving after the request [CP-13]: ")
            for r in report.results
        )
        assert report.restarts >= 1


def test_the_category_protocol_is_a_coarse_refusal() -> None:
    class Coarse(ReferenceIUT):
        def send_body(self, body: bytes) -> dict[str, Any]:
            response = super().send_body(body)
            if "error" in response:
                response["error"] = {"code": "protocol"}
            return response

    assert evaluate(vector("request/empty")) == {"error": {"code": REQUEST_MALFORMED}}
    refusals = [e for e in INDEX["vectors"] if e["category"] == "request" and e["error"]]
    outcome = run(Coarse(), vectors=VECTORS, categories=["request"])
    assert outcome.ok and outcome.levels()["outcome"] == len(refusals) >= 50
    exact = run(Coarse(), vectors=VECTORS, categories=["request"], grading="code")
    assert exact.count("failed") == len(refusals)


def test_well_formed_hello_bodies_must_be_answered_as_hello() -> None:
    assert evaluate(vector("request/hello-indefinite-map")) == {"protocol": 1}

    class Refusing(ReferenceIUT):
        def send_body(self, body: bytes) -> dict[str, Any]:
            if body == vector("request/hello-indefinite-map").input:
                return {"error": {"code": REQUEST_MALFORMED}}
            if body == vector("request/hello-overlong-heads").input:
                return {"protocol": True}
            return super().send_body(body)

    report = run(Refusing(), vectors=VECTORS, categories=["request"])
    failures = {r.id: r.detail for r in report.results if r.status == "failed"}
    assert failures == {
        "request/hello-indefinite-map": "refused a well-formed request with 'request_malformed'",
        "request/hello-overlong-heads": "answered protocol True, expected 1",
    }
