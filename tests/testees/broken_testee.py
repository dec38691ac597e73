"""A deliberately broken implementation under test: the reference with one fault injected.

    python broken_testee.py MODE

MODE: swap-variants | accept-bad-crc | apply-rejected | crash-on-wal | hang-on-short-snapshot
      | garbage-on-encode | wrong-length | silent-exit | coarse-codes | answer-twice
      | refuse-positional | no-replay | replenish-keeps-consumed
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
from aqwal_conformance.testee import handle

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
    datadir.Reducer = ReplenishKeepsConsumed  # the reducer recover() builds


def respond(out: Any, response: dict[str, Any]) -> None:
    body = cbor2.dumps(response, canonical=True)
    out.write(struct.pack("<I", len(body)) + body)
    out.flush()


def broken(request: dict[str, Any]) -> dict[str, Any] | None:
    kind = request.get("kind")
    response = handle(request)
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
    elif MODE == "apply-rejected" and kind == "replay" and "outcomes" in response:
        response["outcomes"] = [None] * len(response["outcomes"])
    elif MODE == "crash-on-wal" and kind == "validate_wal" and 0 < len(request["log"]) < 8:
        os._exit(3)
    elif (
        MODE == "hang-on-short-snapshot"
        and kind == "load_snapshot"
        and len(request["snapshot"]) < 12
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
    elif MODE == "wrong-length" and kind == "load_snapshot" and len(request["snapshot"]) < 12:
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
    elif MODE == "coarse-codes" and "error" in response:
        from aqwal.errors import ERROR_CODES

        code = response["error"]["code"]
        response["error"] = {"code": ERROR_CODES[code].category}
    return response


def main() -> int:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        head = stdin.read(4)
        if len(head) < 4:
            return 0
        (length,) = struct.unpack("<I", head)
        request = cbor2.loads(stdin.read(length))
        response = broken(request)
        if response is not None:
            respond(stdout, response)


if __name__ == "__main__":
    sys.exit(main())
