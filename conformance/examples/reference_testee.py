#!/usr/bin/env python3
"""A complete implementation under test for the aqwal conformance runner.

It serves the aqwal reference over the conformance protocol (spec/conformance-protocol.md):
read ``[length u32 LE][CBOR map]`` requests from stdin, write one response of the same framing
to stdout per request, exit when stdin closes. An implementation in another language does the
same with its own codec and reducer in place of the ``aqwal_conformance.testee`` calls below.

    aqwal conform --iut "python conformance/examples/reference_testee.py"
"""

from __future__ import annotations

import struct
import sys
from typing import Any

import cbor2

from aqwal_conformance.testee import handle


def read_request(stdin: Any) -> dict[str, Any] | None:
    head = stdin.read(4)
    if len(head) < 4:
        return None  # the runner closed our input: we are done
    (length,) = struct.unpack("<I", head)
    request: dict[str, Any] = cbor2.loads(stdin.read(length))
    return request


def write_response(stdout: Any, response: dict[str, Any]) -> None:
    body = cbor2.dumps(response, canonical=True)  # deterministic CBOR (RFC 8949 §4.2.1)
    stdout.write(struct.pack("<I", len(body)) + body)
    stdout.flush()


def main() -> int:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while (request := read_request(stdin)) is not None:
        # request["kind"] is one of: hello, decode_payload, decode_record, encode_event,
        # validate_wal, replay, load_snapshot. handle() answers each as the spec describes.
        write_response(stdout, handle(request))
    return 0


if __name__ == "__main__":
    sys.exit(main())
