#!/usr/bin/env python3
"""A complete implementation under test for the aqwal conformance runner.

It serves the aqwal reference over the conformance protocol (spec/conformance-protocol.md):
read ``[length u32 LE][CBOR map]`` requests from stdin, write one response of the same framing
to stdout per request, exit when stdin closes. An implementation in another language writes
the same loop around its own codec, reducer and snapshot loader.

    aqwal conform --iut "python conformance/examples/reference_testee.py"
"""

from __future__ import annotations

import sys

from aqwal_conformance.protocol import FramingError, encode_message, read_frame
from aqwal_conformance.testee import answer, malformed


def main() -> int:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            # 4 bytes of length (u32 little-endian), then exactly that many bytes of body;
            # None when the runner has closed our input: we are done.
            body = read_frame(stdin)
        except FramingError as exc:
            # A length over 64 MiB, or input ending mid-message: answer request_malformed,
            # then stop, since the bytes that follow cannot be framed (spec: CP-13).
            stdout.write(encode_message(malformed(exc.description)))
            stdout.flush()
            print(f"reference_testee: {exc}", file=sys.stderr)
            return 2
        if body is None:
            return 0
        # answer() decodes the body (a CBOR map; anything else is request_malformed) and
        # dispatches on its "kind": hello, decode_payload, decode_record, encode_event,
        # validate_wal, replay or load_snapshot. It never raises.
        response = answer(body)
        # Deterministic CBOR (RFC 8949 section 4.2.1), prefixed with its length.
        stdout.write(encode_message(response))
        stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
