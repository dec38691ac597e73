"""JSON lines to records, for ``aqwal encode``: one line at a time, within the format's limits.

Each non-blank line is the JSON form of a ``WalEvent`` (spec: JSN-1, JSN-12) and becomes one
framed record (or, for a bare payload, the only line becomes the payload). Input is read a line
at a time, a MiB at a time: a line is refused as soon as it holds a byte that JSON text never
contains, or grows past :data:`JSON_LINE_LIMIT`; a record whose payload would exceed the frame
limit is refused before its payload is built (spec: FRM-6, WAL-15). Error offsets count from
the start of their line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO, cast

from aqwal.codec import HEADER_LEN, MAX_PAYLOAD_LEN, encode_payload, encode_record
from aqwal.errors import AqwalError, EncodeError, FormError
from aqwal.forms import JSON_FORM, parse_json_text

#: The longest JSON line read (1 GiB). The JSON form of a record writes each payload byte in
#: about one character (control characters in strings take six, JSN-11); a longer line is
#: refused without being read to its end.
JSON_LINE_LIMIT = 4 * MAX_PAYLOAD_LEN
#: Bytes that JSON text never contains: control characters other than white space (RFC 8259).
_NOT_JSON_TEXT = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class BadLine(Exception):
    """A line that is not a record: its number and the aqwal error."""

    def __init__(self, lineno: int, error: AqwalError) -> None:
        super().__init__(f"line {lineno}: {error}")
        self.lineno = lineno
        self.error = error


class LineRefused(Exception):
    """Input this reader does not take: a line over the limit, or not exactly one line for a
    bare payload."""


def payload_at_least(value: object) -> int:
    """A lower bound of a value's postcard size: the bytes of its strings and byte strings
    (each encoded as itself), one byte for anything else."""
    if isinstance(value, bytes):
        return len(value)
    if isinstance(value, str):
        return len(value)  # characters: at most its UTF-8 length
    if isinstance(value, tuple) or hasattr(value, "_fields"):
        # a sequence, or a value (a tuple only in the default build, TYP-16): its items
        return sum(payload_at_least(v) for v in cast(Iterable[object], value)) or 1
    return 1


def json_lines(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """The non-blank lines of the input, numbered, as bytes (decoded once, by the reader)."""
    lineno = 0
    while True:
        parts: list[bytes] = []
        size = 0
        while True:
            part = stream.readline(1 << 20)
            if not part:
                break
            bad = _NOT_JSON_TEXT.search(part)
            if bad is not None:
                err = FormError(
                    "form_syntax",
                    f"byte 0x{part[bad.start()]:02x} cannot appear in JSON text",
                    offset=size + bad.start(),
                )
                raise BadLine(lineno + 1, err)
            parts.append(part)
            size += len(part)
            if size > JSON_LINE_LIMIT:
                raise LineRefused(
                    f"line {lineno + 1} is longer than {JSON_LINE_LIMIT} bytes, "
                    "more than the JSON form of any record"
                )
            if part.endswith(b"\n"):
                break
        if not parts:
            return
        lineno += 1
        line = parts[0] if len(parts) == 1 else b"".join(parts)
        del parts
        if not line.isspace():
            yield lineno, line


def encoded_records(stream: BinaryIO, *, payload: bool, workflow: bool) -> Iterator[bytes]:
    """Each JSON line as a framed record (or, with ``payload``, the one line as a payload).

    Raises :class:`BadLine` for a line that is not a record, :class:`LineRefused` for input
    this reader does not take."""
    count = 0
    for lineno, line in json_lines(stream):
        count += 1
        if payload and count > 1:
            raise LineRefused("--payload encodes exactly one JSON line, found more")
        try:
            doc = parse_json_text(line)  # spec: JSN-1 — UTF-8, checked as it is decoded
            del line
            event = JSON_FORM.load("WalEvent", doc)
            del doc
            if payload_at_least(event) > MAX_PAYLOAD_LEN:
                # spec: FRM-6 — refused before the payload is built
                raise EncodeError(
                    "payload_too_large_to_write",
                    f"the payload would exceed {MAX_PAYLOAD_LEN} bytes",
                    offset=0 if payload else HEADER_LEN,
                )
            yield (
                encode_payload(event, workflow=workflow)
                if payload
                else encode_record(event, workflow=workflow)
            )
        except AqwalError as exc:
            raise BadLine(lineno, exc) from None
    if payload and count == 0:
        raise LineRefused("--payload encodes exactly one JSON line, found none")
