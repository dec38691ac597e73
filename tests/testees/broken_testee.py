"""A deliberately broken implementation under test: the reference with one fault injected.

    python broken_testee.py MODE

MODE: swap-variants | accept-bad-crc | apply-rejected | crash-on-wal | hang-on-short-snapshot
      | garbage-on-encode | wrong-length | silent-exit | coarse-codes | answer-twice
      | refuse-positional | no-replay | no-offsets | v5-only | unsupported-everything
      | hello-protocol-true | trailing-bytes | exit-zero-on-replay | malformed-errors
      | refuse-as-malformed | replenish-keeps-consumed | snapshot-digest
      | flood (when stdin closes) | stderr-flood | raw:NAME (a hand-made response body, see RAW)
      | lenient-bodies (reads bodies with cbor2.loads, which lets bytes after the item, nesting
        and two-byte simple values through) | exit-after-malformed (answers a malformed body,
        then exits 0) | exit-after-answer (answers its first decode_record request, then
        exits 0)
"""

from __future__ import annotations

import os
import struct
import sys
import time
from typing import Any

import cbor2

from aqwal import datadir
from aqwal import types as t
from aqwal.codec import decode_payload
from aqwal.forms import CBOR_FORM
from aqwal.reducer import Reducer
from aqwal_conformance.protocol import BodyError, decode_body
from aqwal_conformance.testee import handle, malformed

MODE = sys.argv[1]


class ReplenishKeepsConsumed(Reducer):
    """BudgetReplenished resets the limit and the flag but not the consumption."""

    def budget_replenished(self, e: t.BudgetReplenished) -> None:
        budget = self.state.budgets.get((e.task_id, e.dimension))
        consumed = None if budget is None else budget.consumed
        super().budget_replenished(e)
        if budget is not None and consumed is not None:
            budget.consumed = consumed


if MODE == "replenish-keeps-consumed":
    vars(datadir)["Reducer"] = ReplenishKeepsConsumed  # the reducer recover() builds
#: Hand-made response bodies (hex) for the validate_wal request of a 3-byte log and for every
#: replay request, each something a careless or hostile IUT could send; the modes are
#: "raw:NAME".
RAW = {
    # {"id": shared(array [sharedref 0])}: a cyclic value (tags 28, 29)
    "cyclic-id": "a1" + "626964" + "d81c81d81d00",
    # {"error": {"code": 36("a: b")}}: a MIME message (tag 36)
    "mime-code": "a1" + "656572726f72" + "a1" + "64636f6465" + "d824" + "64613a2062",
    # {"id": 2(5000-byte bignum)}: an integer far beyond str()'s 4,300-digit limit
    "huge-id": "a1" + "626964" + "c2591388" + "ff" * 5000,
    # {"outcomes": [36("x")], "digest": "0"}: a tagged outcome
    "mime-outcome": "a2" + "686f7574636f6d6573" + "81d8246178" + "66646967657374" + "6130",
    # {"outcomes": [], "digest": 2(bignum)}: a bignum digest
    "bignum-digest": "a2686f7574636f6d6573" + "80" + "66646967657374" + "c2591388" + "ff" * 5000,
    # {"outcomes": [], "digest": 5}: well-formed, but the digest is not text
    "digest-int": "a2" + "686f7574636f6d6573" + "80" + "66646967657374" + "05",
    # a map nested 500 deep
    "deep": "a1" + "6161" + "81" * 500 + "00",
}


def respond(out: Any, response: dict[str, Any]) -> None:
    body = cbor2.dumps(response, canonical=True)
    out.write(struct.pack("<I", len(body)) + body)
    out.flush()


def raw(body: bytes) -> None:
    sys.stdout.buffer.write(struct.pack("<I", len(body)) + body)
    sys.stdout.buffer.flush()


def hostile(request: dict[str, Any], response: dict[str, Any]) -> dict[str, Any] | None:
    """The modes that answer with something no conforming IUT sends."""
    kind = request.get("kind")
    short_wal = kind == "validate_wal" and len(request["log"]) == 3
    if MODE.startswith("raw:") and (short_wal or kind == "replay"):
        raw(bytes.fromhex(RAW[MODE[4:]]))
    elif MODE == "trailing-bytes" and short_wal:
        raw(cbor2.dumps({**response}, canonical=True) + b"\x00")
    elif MODE == "exit-zero-on-replay" and kind == "replay" and len(request["log"]) < 40:
        sys.stdin.close()
        os._exit(0)
    elif MODE == "stderr-flood" and short_wal:
        chunk = b"x" * (1 << 20) + b"\n"
        for _ in range(300):
            os.write(2, chunk)
        os.write(2, b"last words before the crash\n")
        os._exit(3)
    else:
        return response
    return None


def broken(request: dict[str, Any]) -> dict[str, Any] | None:
    kind = request.get("kind")
    if MODE == "unsupported-everything" and kind != "hello":
        return {"unsupported": True}  # the reference's answer would be thrown away
    response = handle(request)
    if kind != "hello" and MODE in HOSTILE:
        return hostile(request, response)
    if MODE == "swap-variants" and "value" in response:
        # decodes discriminant 11 as EngineResumed and 12 as EnginePaused
        event = response["value"]["event"]
        names = {"EnginePaused": "EngineResumed", "EngineResumed": "EnginePaused"}
        response["value"]["event"] = {names.get(k, k): v for k, v in event.items()}
    elif MODE == "accept-bad-crc" and kind == "decode_record":
        error = response.get("error", {})
        if error.get("code") == "frame_crc_mismatch":
            data = request["input"]
            (length,) = struct.unpack_from("<I", data, 4)
            response = {"value": CBOR_FORM.dump("WalEvent", decode_payload(data[12 : 12 + length]))}
    elif MODE == "snapshot-digest" and kind == "replay" and "snapshot" in request:
        if "digest" in response:
            response["digest"] = "0" * 64
    elif MODE == "apply-rejected" and kind == "replay" and "outcomes" in response:
        response["outcomes"] = [None] * len(response["outcomes"])
    elif MODE == "crash-on-wal" and kind == "validate_wal" and 0 < len(request["log"]) < 8:
        os._exit(3)
    elif (
        MODE == "hang-on-short-snapshot"
        and kind == "load_snapshot"
        and 0 < len(request["snapshot"]) < 12
    ):
        time.sleep(3600)
    elif (
        MODE == "garbage-on-encode"
        and kind == "encode_event"
        and "EnginePaused" in str(request["value"])
    ):
        sys.stdout.buffer.write(b"\x03\x00\x00\x00\xff\xfe\xfd")
        sys.stdout.buffer.flush()
        return None
    elif MODE == "wrong-length" and kind == "load_snapshot" and 0 < len(request["snapshot"]) < 12:
        body = cbor2.dumps(response, canonical=True)
        sys.stdout.buffer.write(struct.pack("<I", len(body) + 100) + body)
        sys.stdout.buffer.flush()
        return None
    elif MODE == "silent-exit" and kind == "replay" and len(request["log"]) < 40:
        sys.exit(0)
    elif MODE == "answer-twice" and kind == "validate_wal" and len(request["log"]) == 3:
        body = cbor2.dumps(response, canonical=True)
        one = struct.pack("<I", len(body)) + body
        sys.stdout.buffer.write(one + one)  # one answer too many, in the same write
        sys.stdout.buffer.flush()
        return None
    elif MODE == "refuse-positional" and kind == "load_snapshot":
        if b'"metadata":[' in request["snapshot"]:
            response = {"error": {"code": "form_type_mismatch"}}
    elif MODE == "no-replay" and kind == "hello":
        response["supports"] = [k for k in response["supports"] if k != "replay"]
    elif MODE == "no-offsets" and "error" in response:
        response["error"] = {"code": response["error"]["code"]}
    elif MODE == "v5-only" and (request.get("options") or {}).get("wal_version") == 4:
        response = {"unsupported": True, "reason": "no WAL v4 reader"}
    elif MODE == "hello-protocol-true" and kind == "hello":
        response["protocol"] = True
    elif MODE == "refuse-as-malformed" and kind == "decode_record":
        response = {"error": {"code": "request_malformed", "message": "input is not understood"}}
    elif MODE == "malformed-errors" and "error" in response:
        response["error"] = response["error"]["code"]  # a bare text instead of a map
    elif MODE == "coarse-codes" and "error" in response:
        from aqwal.errors import ERROR_CODES

        code = response["error"]["code"]
        response["error"] = {"code": ERROR_CODES[code].category}
    return response


def flood(out: Any) -> None:
    """At the end of the run, while the runner waits for the IUT to exit: 64 MiB messages, up
    to 1 GiB, as fast as the runner takes them."""
    body = cbor2.dumps({"id": 0, "flood": bytes(64 * 1024 * 1024 - 24)})
    message = struct.pack("<I", len(body)) + body
    try:
        for _ in range(16):
            out.write(message)
            out.flush()
    except BrokenPipeError:
        pass


HOSTILE = {"trailing-bytes", "exit-zero-on-replay", "stderr-flood"} | {
    f"raw:{name}" for name in RAW
}


def main() -> int:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        head = stdin.read(4)
        if len(head) < 4:
            if MODE == "flood":
                flood(stdout)
            return 0
        (length,) = struct.unpack("<I", head)
        body = stdin.read(length)
        try:
            request = cbor2.loads(body) if MODE == "lenient-bodies" else decode_body(body)
        except (BodyError, cbor2.CBORDecodeError) as exc:
            respond(stdout, malformed(str(exc)))
            if MODE == "exit-after-malformed":
                return 0
            continue
        if not isinstance(request, dict):
            respond(stdout, malformed("not a map"))
            continue
        response = broken(request)
        if response is not None:
            respond(stdout, response)
        if MODE == "exit-after-answer" and request.get("kind") == "decode_record":
            return 0


if __name__ == "__main__":
    sys.exit(main())
