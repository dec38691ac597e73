"""``python -m aqwal_conformance.testee_server``: the reference testee on stdin/stdout."""

from __future__ import annotations

import sys

from aqwal_conformance.protocol import ProtocolError, read_message, write_message
from aqwal_conformance.testee import handle


def main() -> int:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            request = read_message(stdin)
        except ProtocolError as exc:
            print(f"aqwal testee: {exc}", file=sys.stderr)
            return 2
        if request is None:
            return 0
        write_message(stdout, handle(request))


if __name__ == "__main__":
    sys.exit(main())
