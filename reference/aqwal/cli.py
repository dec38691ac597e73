"""The ``aqwal`` command line: argparse front end, no format logic of its own.

Exit status: 0 success, 1 the input is invalid (or a check failed), 2 usage error.
Errors print as one line on stderr: ``aqwal: <code> at offset <n> [<clause>]: <message>``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TextIO

from aqwal import __version__
from aqwal.codec import decode_payload, encode_payload, encode_record, read_records
from aqwal.errors import AqwalError, FormError
from aqwal.forms import JSON_FORM, parse_json_text, to_json_text

Handler = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """Bad command-line use: exit status 2."""


# ---------------------------------------------------------------------------------------------
# input / output helpers


@contextmanager
def open_input(path: str) -> Iterator[BinaryIO]:
    if path == "-":
        yield sys.stdin.buffer
        return
    try:
        f = open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    with f:
        yield f


def write_output_atomically(path: str, data: bytes, *, inputs: Sequence[str] = ()) -> None:
    """Write ``data`` to ``path`` via a temporary sibling and a rename; refuse to overwrite an
    input of the same command."""
    target = Path(path)
    for src in inputs:
        if src != "-" and Path(src).exists() and target.exists() and target.samefile(src):
            raise UsageError(f"refusing to overwrite the input file {src}")
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def report(err: AqwalError, stream: TextIO | None = None) -> None:
    print(f"aqwal: {err}", file=stream or sys.stderr)


# ---------------------------------------------------------------------------------------------
# decode / encode


def cmd_decode(args: argparse.Namespace) -> int:
    strict = not args.lenient
    out = sys.stdout
    with open_input(args.file) as f:
        if args.payload:
            data = f.read()
            try:
                event = decode_payload(data, strict=strict, workflow=args.workflow)
            except AqwalError as exc:
                report(exc)
                return 1
            out.write(to_json_text(JSON_FORM.dump("WalEvent", event)) + "\n")
            return 0
        try:
            for _offset, event in read_records(f, strict=strict, workflow=args.workflow):
                out.write(to_json_text(JSON_FORM.dump("WalEvent", event)) + "\n")
        except AqwalError as exc:
            out.flush()
            report(exc)
            return 1
    return 0


def cmd_encode(args: argparse.Namespace) -> int:
    with open_input(args.file) as f:
        text = f.read()
    try:
        lines = text.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        report(FormError("form_syntax", f"input is not UTF-8: {exc.reason}", offset=exc.start))
        return 1
    chunks: list[bytes] = []
    records = [(i, line) for i, line in enumerate(lines, 1) if line.strip()]
    if args.payload and len(records) != 1:
        raise UsageError(f"--payload encodes exactly one JSON line, found {len(records)}")
    for lineno, line in records:
        try:
            event = JSON_FORM.load("WalEvent", parse_json_text(line))
            chunks.append(
                encode_payload(event, workflow=args.workflow)
                if args.payload
                else encode_record(event, workflow=args.workflow)
            )
        except AqwalError as exc:
            print(f"aqwal: line {lineno}: {exc}", file=sys.stderr)
            return 1
    data = b"".join(chunks)
    if args.output:
        write_output_atomically(args.output, data, inputs=[args.file])
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return 0


# ---------------------------------------------------------------------------------------------
# schema


def cmd_schema_export(args: argparse.Namespace) -> int:
    from aqwal.declarations import WAL_V4, WAL_V5
    from aqwal.registry import export_text

    text = export_text(WAL_V4 if args.wal_version == 4 else WAL_V5)
    if args.output:
        write_output_atomically(args.output, text.encode("utf-8"))
    else:
        sys.stdout.write(text)
    return 0


# ---------------------------------------------------------------------------------------------
# parser


def _codec_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--workflow",
        action="store_true",
        help="the engine's workflow build feature: RunPolicy::Cron exists",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aqwal",
        description="Reference tools for the ActionQueue write-ahead log (WAL v5).",
    )
    parser.add_argument("--version", action="version", version=f"aqwal {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "decode",
        help="framed records (or one bare payload) to JSON lines",
        description="Print one JSON line per record, in the JSON form of the engine's WalEvent. "
        "On the first bad record, print the records before it, then the error on stderr, "
        "and exit 1.",
    )
    p.add_argument("file", nargs="?", default="-", help="input file, - for stdin (default)")
    p.add_argument("--payload", action="store_true", help="input is one bare postcard payload")
    p.add_argument(
        "--lenient",
        action="store_true",
        help="accept over-long varints and trailing bytes, as the engine does",
    )
    _codec_options(p)
    p.set_defaults(handler=cmd_decode)

    p = sub.add_parser(
        "encode",
        help="JSON lines to framed records (or one bare payload)",
        description="Read JSON lines in the JSON form of WalEvent and write framed records.",
    )
    p.add_argument("file", nargs="?", default="-", help="input file, - for stdin (default)")
    p.add_argument("-o", "--output", help="output file (default: stdout)")
    p.add_argument("--payload", action="store_true", help="write one bare postcard payload")
    _codec_options(p)
    p.set_defaults(handler=cmd_encode)

    schema = sub.add_parser("schema", help="the registry of WAL types").add_subparsers(
        dest="schema_command", required=True, metavar="SUBCOMMAND"
    )
    p = schema.add_parser("export", help="print the registry derived from the declarations")
    p.add_argument("-o", "--output", help="output file (default: stdout)")
    p.add_argument("--wal-version", type=int, choices=(4, 5), default=5)
    p.set_defaults(handler=cmd_schema_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except UsageError as exc:
        print(f"aqwal: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (e.g. `aqwal decode log | head`): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
