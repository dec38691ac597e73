"""``python -m aqwal_conformance.testee_server``: the reference testee on stdin/stdout.

Each request body is answered by :func:`aqwal_conformance.testee.answer`, which never raises:
a body that is not a CBOR map, or a request with wrong members, gets a ``request_malformed``
error and the loop goes on (spec: CP-13). A broken length prefix is answered the same way, but
then the stream cannot be trusted, so the testee exits with status 2.
"""

from __future__ import annotations

import sys
from typing import BinaryIO, TextIO

from aqwal_conformance.protocol import FramingError, encode_message, read_frame
from aqwal_conformance.testee import answer, malformed


def serve(stdin: BinaryIO, stdout: BinaryIO, log: TextIO) -> int:
    """Answer requests until stdin closes; the exit status."""
    try:
        while True:
            try:
                body = read_frame(stdin)
            except FramingError as exc:
                print(f"aqwal testee: {exc}", file=log)
                stdout.write(encode_message(malformed(exc.description)))
                stdout.flush()
                return 2
            if body is None:
                return 0
            stdout.write(encode_message(answer(body)))
            stdout.flush()
    except BrokenPipeError:
        return 0  # the runner stopped reading: nothing left to answer


def main() -> int:
    return serve(sys.stdin.buffer, sys.stdout.buffer, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
