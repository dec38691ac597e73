"""The ``aqwal`` command line: argparse front end, no format logic of its own.

Exit status: 0 success, 1 the input is invalid (or a check failed), 2 usage error (including a
file that cannot be read or written), 3 internal error (a bug: please report it).
Errors print as one line on stderr: ``aqwal: <code> at offset <n> [<clause>]: <message>``.
Every file is handled by the rules of WAL-15, WAL-16 and SNP-15: inputs must be regular files
and are read within the format's limits, outputs are written only where ``-o`` (or
``--in-place``) says, through an exclusive temporary file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from aqwal import __version__
from aqwal.atomicfile import OutputRefused, write_atomically
from aqwal.codec import (
    MAX_PAYLOAD_LEN,
    decode_payload,
    read_json_line_batches,
)
from aqwal.errors import AqwalError
from aqwal.forms import JSON_FORM, to_json_text
from aqwal.inputfile import open_regular, read_at_most, regular_file_exists, shown_path
from aqwal.json_writer import wal_event_json

Handler = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """Bad command-line use: exit status 2."""


# ---------------------------------------------------------------------------------------------
# input / output helpers


@contextmanager
def open_input(path: str) -> Iterator[BinaryIO]:
    """A regular file (a link to one is fine) or, for ``-``, stdin (spec: WAL-15)."""
    if path == "-":
        yield sys.stdin.buffer
        return
    try:
        f = open_regular(path)
    except OSError as exc:
        raise UsageError(f"cannot read {shown_path(path)}: {exc.strerror}") from None
    with f:
        yield f


def _same_file(a: str | Path, b: str | Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def write_output_atomically(
    path: str, data: bytes | Iterable[bytes], *, inputs: Sequence[str | Path] = ()
) -> None:
    """Write ``data`` to ``path`` via an exclusive temporary sibling and a rename; refuse to
    overwrite an input of the same command, or anything that is not a regular file
    (spec: WAL-16)."""
    for src in inputs:
        if src != "-" and _same_file(path, src):
            raise UsageError(f"refusing to overwrite the input file {shown_path(src)}")
    try:
        write_atomically(Path(path), [data] if isinstance(data, bytes) else data)
    except OSError as exc:
        raise UsageError(f"cannot write {shown_path(path)}: {exc.strerror}") from None


def report(err: AqwalError, stream: TextIO | None = None) -> None:
    print(f"aqwal: {err}", file=stream or sys.stderr)


# ---------------------------------------------------------------------------------------------
# decode / encode


def cmd_decode(args: argparse.Namespace) -> int:
    strict = not args.lenient
    out = sys.stdout
    with open_input(args.file) as f:
        if args.payload:
            data = read_at_most(f, MAX_PAYLOAD_LEN + 1)
            if len(data) > MAX_PAYLOAD_LEN:
                # spec: FRM-6 — no record carries a longer payload
                print(
                    f"aqwal: the input is longer than {MAX_PAYLOAD_LEN} bytes, the largest "
                    "payload a record can carry [FRM-6]",
                    file=sys.stderr,
                )
                return 1
            try:
                event = decode_payload(data, strict=strict, workflow=args.workflow)
            except AqwalError as exc:
                report(exc)
                return 1
            out.write(wal_event_json(event) + "\n")
            return 0
        # One write per chunk read; the lines before a bad record are written before its
        # error is reported.
        try:
            for lines in read_json_line_batches(f, strict=strict, workflow=args.workflow):
                out.write("\n".join(lines) + "\n")
        except AqwalError as exc:
            out.flush()
            report(exc)
            return 1
    return 0


def cmd_encode(args: argparse.Namespace) -> int:
    from aqwal.jsonlines import BadLine, LineRefused, encoded_records

    with open_input(args.file) as f:
        records = encoded_records(f, payload=args.payload, workflow=args.workflow)
        try:
            if args.output:
                write_output_atomically(args.output, records, inputs=[args.file])
            elif args.payload:
                out = b"".join(records)  # one payload, written once it is known to be alone
                sys.stdout.buffer.write(out)
            else:
                for record in records:
                    sys.stdout.buffer.write(record)
        except BadLine as exc:
            sys.stdout.flush()
            print(f"aqwal: {exc}", file=sys.stderr)
            return 1
        except LineRefused as exc:
            raise UsageError(str(exc)) from None
        sys.stdout.buffer.flush()
    return 0


# ---------------------------------------------------------------------------------------------
# schema


def _registry_for(name: str) -> Any:
    from aqwal.declarations import SNAPSHOT_V8, WAL_V4, WAL_V5

    return {"wal-v5": WAL_V5, "wal-v4": WAL_V4, "snapshot-v8": SNAPSHOT_V8}[name]


def cmd_schema_export(args: argparse.Namespace) -> int:
    from aqwal.registry import document_text, export_text

    if args.overlay:
        from aqwal.declarations import SNAPSHOT_V8, WAL_V5
        from aqwal.rustextract import overlay_document

        text = document_text(overlay_document([WAL_V5, SNAPSHOT_V8]))
    elif args.registry == "errors":
        from aqwal.errors import errors_registry_text

        text = errors_registry_text()
    else:
        which = args.registry or ("wal-v4" if args.wal_version == 4 else "wal-v5")
        text = export_text(_registry_for(which))
    if args.check:
        kind = "overlay" if args.overlay else "errors" if args.registry == "errors" else "registry"
        return _check_export(args.check, text, kind=kind)
    if args.output:
        write_output_atomically(args.output, text.encode("utf-8"))
    else:
        sys.stdout.write(text)
    return 0


def _check_export(path: str, text: str, *, kind: str) -> int:
    """``export --check FILE``: 0 when FILE is current, 1 when stale, 2 when not valid."""
    from aqwal.rustextract import load_overlay

    try:
        with open(path, "rb") as f:
            data = f.read(MAX_REGISTRY_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    try:
        if kind == "overlay":
            load_overlay(data, path)
        elif kind == "errors":
            if data != text.encode("utf-8"):
                print(f"{path}: stale; regenerate it with aqwal schema export --registry errors")
                return 1
        else:
            from aqwal.registry import parse

            parse(data, path)
    except AqwalError as err:
        report(err)
        return 2
    if data == text.encode("utf-8"):
        print(f"{path}: up to date")
        return 0
    print(f"{path}: stale; regenerate it with aqwal schema export -o {path}")
    return 1


# ---------------------------------------------------------------------------------------------
# replay / verify / inspect / snapshot / repair


def _existing(path: str) -> Path:
    try:
        os.stat(path)
    except FileNotFoundError:
        if os.path.lexists(path):
            raise UsageError(f"{shown_path(path)} is a symbolic link to nothing") from None
        raise UsageError(f"{shown_path(path)} does not exist") from None
    except OSError as exc:
        raise UsageError(f"cannot read {shown_path(path)}: {exc.strerror}") from None
    return Path(path)


def _cannot_read(exc: OSError, path: Path) -> UsageError:
    return UsageError(f"cannot read {shown_path(exc.filename or path)}: {exc.strerror}")


def _wal_present(wal: Path) -> bool:
    """Whether the WAL of a layout exists; refuse a path that is not a regular file."""
    try:
        return regular_file_exists(wal)
    except OSError as exc:
        raise UsageError(f"cannot read {shown_path(wal)}: {exc.strerror}") from None


@contextmanager
def _opened(path: Path) -> Iterator[BinaryIO]:
    try:
        f = open_regular(path)
    except OSError as exc:
        raise UsageError(f"cannot read {shown_path(path)}: {exc.strerror}") from None
    with f:
        yield f


def _print_json(obj: object) -> None:
    sys.stdout.write(to_json_text(obj) + "\n")


def cmd_replay(args: argparse.Namespace) -> int:
    from aqwal.datadir import recover
    from aqwal.digest import state_digest
    from aqwal.errors import SnapshotError
    from aqwal.projection import build_snapshot
    from aqwal.reducer import Outcome
    from aqwal.snapshot import validate_snapshot

    path = _existing(args.path)

    def show(outcome: Outcome) -> None:
        row: dict[str, object] = {"sequence": outcome.sequence, "applied": outcome.applied}
        if outcome.error is not None:
            row["error"] = outcome.error.code
        _print_json(row)

    try:
        result = recover(
            path,
            use_snapshot=not args.no_snapshot,
            engine_compatible=args.engine_compatible,
            stop_on_reject=args.strict,
            strict=not args.lenient,
            workflow=args.workflow,
            on_outcome=show if args.events else None,
        )
    except AqwalError as exc:
        sys.stdout.flush()
        report(exc)
        return 1
    except OSError as exc:
        raise UsageError(
            f"cannot read {shown_path(exc.filename or path)}: {exc.strerror}"
        ) from None
    if result.snapshot_problem is not None:
        print(f"aqwal: note: snapshot not used: {result.snapshot_problem}", file=sys.stderr)
    if args.digest:
        print(state_digest(result.state))
    else:
        snap = build_snapshot(result.state, args.timestamp)
        body = JSON_FORM.dump("Snapshot", snap)
        _print_json({"state": body} if args.events else body)
        try:
            validate_snapshot(snap)
        except SnapshotError as exc:
            print(
                f"aqwal: note: the engine would refuse to write this snapshot: {exc}",
                file=sys.stderr,
            )
    return 1 if result.rejected else 0


def cmd_verify(args: argparse.Namespace) -> int:
    from aqwal.datadir import Layout
    from aqwal.snapshot import read_snapshot_file
    from aqwal.walfile import validate_wal_file

    layout = Layout.of(_existing(args.path))
    ok = True
    out: dict[str, object] = {}
    if _wal_present(layout.wal):
        try:
            rep = validate_wal_file(layout.wal, strict=not args.lenient, workflow=args.workflow)
        except OSError as exc:
            raise UsageError(f"cannot read {shown_path(layout.wal)}: {exc.strerror}") from None
        out["wal"] = _tail_json(rep)
        ok = rep.corruption is None
    else:
        out["wal"] = {"path": shown_path(layout.wal), "missing": True}
    if layout.snapshot is not None:
        snap_info: dict[str, object] = {"path": shown_path(layout.snapshot)}
        try:
            snap = read_snapshot_file(layout.snapshot)
            snap_info["present"] = snap is not None
            if snap is not None:
                snap_info["wal_sequence"] = snap.metadata.wal_sequence
                snap_info["valid"] = True
        except AqwalError as exc:
            snap_info.update(present=True, valid=False, error=_error_json(exc))
            ok = False
        out["snapshot"] = snap_info
    out["ok"] = ok
    if args.json:
        _print_json(out)
    else:
        _print_verify_text(out)
    return 0 if ok else 1


def _error_json(exc: AqwalError) -> dict[str, object]:
    row: dict[str, object] = {
        "code": exc.code,
        "clause": exc.clause,
        "offset": exc.offset,
        "message": exc.message,
    }
    cause = getattr(exc, "cause", None)
    if isinstance(cause, AqwalError):
        row["cause"] = _error_json(cause)
    return row


def _tail_json(rep: object) -> dict[str, object]:
    from aqwal.walfile import TailReport

    assert isinstance(rep, TailReport)
    return {
        "path": shown_path(rep.path),
        "file_size": rep.file_size,
        "records": rep.records,
        "first_sequence": rep.first_sequence,
        "last_sequence": rep.last_sequence,
        "max_sequence": rep.max_sequence,
        "valid_end": rep.valid_end,
        "tail": rep.tail,
        "corruption": None if rep.corruption is None else _error_json(rep.corruption),
        "next_valid_offset": rep.next_valid_offset,
        "non_increasing_sequences": [{"offset": o, "sequence": q} for o, q in rep.non_increasing],
    }


def _print_verify_text(out: dict[str, object]) -> None:
    wal = out["wal"]
    assert isinstance(wal, dict)
    if wal.get("missing"):
        print(f"wal: {wal['path']}: missing (an empty log)")
    else:
        print(
            f"wal: {wal['path']}: {wal['records']} record(s), {wal['file_size']} bytes, "
            f"sequences {wal['first_sequence']}..{wal['last_sequence']}, tail {wal['tail']}"
        )
        corruption = wal["corruption"]
        if isinstance(corruption, dict):
            cause = corruption.get("cause", {})
            assert isinstance(cause, dict)
            print(
                f"  corrupt record at offset {corruption['offset']}: {corruption['code']} "
                f"({cause.get('code')} at offset {cause.get('offset')}: {cause.get('message')})"
            )
            print(f"  valid prefix: {wal['valid_end']} bytes")
            if wal["next_valid_offset"] is not None:
                print(f"  a valid record follows at offset {wal['next_valid_offset']}")
        for row in wal["non_increasing_sequences"] or []:
            print(f"  sequence {row['sequence']} at offset {row['offset']} does not increase")
    snap = out.get("snapshot")
    if isinstance(snap, dict):
        if not snap.get("present"):
            print(f"snapshot: {snap['path']}: none")
        elif snap.get("valid"):
            print(f"snapshot: {snap['path']}: valid, wal_sequence {snap['wal_sequence']}")
        else:
            err = snap["error"]
            assert isinstance(err, dict)
            print(
                f"snapshot: {snap['path']}: {err['code']} at offset {err['offset']}: "
                f"{err['message']}"
            )
    print("ok" if out["ok"] else "invalid")


def cmd_inspect(args: argparse.Namespace) -> int:
    from aqwal.datadir import Layout
    from aqwal.snapshot import read_snapshot_file
    from aqwal.walfile import WalCorruption, read_wal

    layout = Layout.of(_existing(args.path))
    per_variant: dict[str, list[int]] = {}
    gaps: list[dict[str, int]] = []
    records = 0
    first: int | None = None
    last: int | None = None
    corruption: WalCorruption | None = None
    size = 0
    end = 0
    if _wal_present(layout.wal):
        with _opened(layout.wal) as f:
            size = os.fstat(f.fileno()).st_size
            previous_offset: int | None = None
            previous_name = ""
            try:
                for offset, event in read_wal(f, strict=not args.lenient, workflow=args.workflow):
                    if previous_offset is not None:
                        per_variant[previous_name][1] += offset - previous_offset
                    name = type(event.event).__name__
                    per_variant.setdefault(name, [0, 0])[0] += 1
                    previous_offset, previous_name = offset, name
                    seq = event.sequence
                    if last is not None and seq > last + 1 and len(gaps) < 1000:
                        gaps.append({"after": last, "next": seq, "missing": seq - last - 1})
                    records += 1
                    first = seq if first is None else first
                    last = seq
            except WalCorruption as exc:
                corruption = exc
            end = corruption.offset or 0 if corruption is not None else size
            if previous_offset is not None:
                per_variant[previous_name][1] += end - previous_offset
    snap_summary: dict[str, object] | None = None
    if layout.snapshot is not None:
        try:
            snap = read_snapshot_file(layout.snapshot)
            snap_summary = {"present": snap is not None}
            if snap is not None:
                snap_summary.update(
                    wal_sequence=snap.metadata.wal_sequence,
                    schema_version=snap.metadata.schema_version,
                    timestamp=snap.timestamp,
                    tasks=len(snap.tasks),
                    runs=len(snap.runs),
                    actors=len(snap.actors),
                    ledger_entries=len(snap.ledger_entries),
                    bytes=os.stat(layout.snapshot).st_size,
                )
        except AqwalError as exc:
            snap_summary = {"present": True, "error": _error_json(exc)}
        except OSError as exc:  # replaced or removed since it was read
            raise _cannot_read(exc, layout.snapshot) from None
    out = {
        "wal": shown_path(layout.wal),
        "file_size": size,
        "records": records,
        "first_sequence": first,
        "last_sequence": last,
        "gaps": gaps,
        "variants": {k: {"records": v[0], "bytes": v[1]} for k, v in sorted(per_variant.items())},
        "tail": "clean" if corruption is None else corruption.code,
        "corruption": None if corruption is None else _error_json(corruption),
        "snapshot": snap_summary,
    }
    if args.json:
        _print_json(out)
        return 0
    print(f"{out['wal']}: {size} bytes, {records} record(s), sequences {first}..{last}")
    print(
        f"gaps: {len(gaps)}"
        + "".join(f"\n  after {g['after']}: {g['missing']} missing" for g in gaps[:10])
    )
    print(f"{'variant':24} {'records':>9} {'bytes':>12}")
    for name, row in sorted(per_variant.items()):
        print(f"{name:24} {row[0]:9} {row[1]:12}")
    if corruption is None:
        print("tail: clean")
    else:
        print(f"tail: {corruption.code} at offset {corruption.offset} ({corruption.cause.code})")
    if snap_summary is not None:
        print("snapshot: " + ", ".join(f"{k} {v}" for k, v in snap_summary.items()))
    return 0


def cmd_snapshot_write(args: argparse.Namespace) -> int:
    from aqwal.datadir import Layout, recover
    from aqwal.snapshot import snapshot_file_of

    path = _existing(args.path)
    layout = Layout.of(path)
    if _same_file(args.output, layout.wal):
        raise UsageError(f"refusing to overwrite the input file {shown_path(layout.wal)}")
    try:
        result = recover(path, stop_on_reject=True, workflow=args.workflow)
        data = snapshot_file_of(result.state, args.timestamp)
    except AqwalError as exc:
        report(exc)
        return 1
    except OSError as exc:
        raise UsageError(
            f"cannot read {shown_path(exc.filename or path)}: {exc.strerror}"
        ) from None
    if result.snapshot_problem is not None:
        print(f"aqwal: note: snapshot not used: {result.snapshot_problem}", file=sys.stderr)
    write_output_atomically(args.output, data, inputs=[layout.wal])
    print(
        f"wrote {shown_path(args.output)}: wal_sequence {result.state.latest_sequence}, "
        f"{len(data)} bytes"
    )
    return 0


def cmd_snapshot_show(args: argparse.Namespace) -> int:
    from aqwal.snapshot import decode_snapshot, read_snapshot_bytes

    with open_input(args.file) as f:
        data = read_snapshot_bytes(f)  # spec: SNP-15 — the header and the declared payload
    if not data:
        print("aqwal: the snapshot file is empty (no snapshot)", file=sys.stderr)
        return 1
    try:
        snap = decode_snapshot(data, accept_older_schema=args.accept_older_schema)
    except AqwalError as exc:
        report(exc)
        return 1
    _print_json(JSON_FORM.dump("Snapshot", snap))
    return 0


def cmd_repair(args: argparse.Namespace) -> int:
    from aqwal.walfile import repair_wal_file

    path = _existing(args.path)
    if path.is_dir():
        from aqwal.walfile import WAL_RELATIVE_PATH

        path = path / WAL_RELATIVE_PATH
    if bool(args.output) == bool(args.in_place):
        raise UsageError("give exactly one of -o OUT and --in-place")
    if not _wal_present(path):
        raise UsageError(f"{shown_path(path)} does not exist: there is no WAL to repair")
    if args.output and _same_file(args.output, path):
        raise UsageError("the output is the input file; use --in-place")
    try:
        result = repair_wal_file(
            path,
            args.policy,
            output=Path(args.output) if args.output else None,
            in_place=args.in_place,
            strict=not args.lenient,
            workflow=args.workflow,
        )
    except AqwalError as exc:
        report(exc)
        return 1
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    except OutputRefused as exc:
        raise UsageError(f"cannot write {shown_path(args.output)}: {exc.strerror}") from None
    except OSError as exc:
        raise UsageError(f"{shown_path(exc.filename or path)}: {exc.strerror}") from None
    rep = result.report
    what = (
        "clean" if rep.corruption is None else f"{rep.corruption.code} at {rep.corruption.offset}"
    )
    print(
        f"{shown_path(path)}: {rep.records} valid record(s); {what}; kept {result.kept} bytes, "
        f"dropped {result.dropped}"
        + (f"; wrote {shown_path(result.written)}" if result.written else "")
    )
    return 0


# ---------------------------------------------------------------------------------------------
# vectors


def cmd_vectors_generate(args: argparse.Namespace) -> int:
    from aqwal_conformance.vectorgen import generate
    from aqwal_conformance.vectorinstall import NotAVectorSet, install_vector_set, old_set_files

    out = Path(args.out)
    try:
        old_set_files(out)  # refuse before the minutes of generation, not after
        index = install_vector_set(generate(), out)
    except NotAVectorSet as exc:
        raise UsageError(f"refusing to write the vectors to {shown_path(out)}: {exc}") from None
    except OSError as exc:
        raise UsageError(f"cannot write the vectors to {shown_path(out)}: {exc.strerror}") from None
    counts = ", ".join(f"{k} {v}" for k, v in index["counts"].items())
    print(f"wrote {index['count']} vectors to {shown_path(out)} ({counts})")
    return 0


def _vector_set(path: str) -> Path:
    """A vector set read as untrusted input (CP-14) whose every file is a regular file, so that
    reading them ends (spec: WAL-15)."""
    from aqwal_conformance.vectorset import VectorSetError, open_vector_set

    root = _existing(path)
    try:
        vector_set = open_vector_set(root)
        for entry in vector_set.entries:
            for rel in entry["files"].values():
                if not regular_file_exists(root / rel):
                    raise VectorSetError(f"{shown_path(root / rel)} does not exist")
    except VectorSetError as exc:
        raise UsageError(f"not a vector set: {exc}") from None
    except OSError as exc:
        raise _cannot_read(exc, root) from None
    return root


def cmd_vectors_verify(args: argparse.Namespace) -> int:
    from aqwal_conformance.vectors import verify_vectors

    root = _vector_set(args.dir)
    try:
        report = verify_vectors(root)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsageError(f"cannot read vectors from {shown_path(root)}: {exc}") from None
    for vid, why in report.failures:
        print(f"FAIL {vid}: {why}")
    per = ", ".join(f"{k} {v}" for k, v in sorted(report.per_category.items()))
    print(f"{report.checked - len(report.failures)}/{report.checked} vectors pass ({per})")
    return 1 if report.failures else 0


def cmd_vectors_coverage(args: argparse.Namespace) -> int:
    from aqwal_conformance.coverage import coverage, unknown_clauses
    from aqwal_conformance.vectors import load_index

    root = _vector_set(args.dir)
    spec = _existing(args.spec)
    try:
        index = load_index(root)
        table = coverage(spec, index)
        unknown = sorted(unknown_clauses(spec, index))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsageError(f"cannot read the vectors or the spec: {exc}") from None
    missing = [c for c, ids in table.items() if not ids]
    if args.json:
        _print_json({"must_clauses": table, "uncovered": missing, "unknown": unknown})
    else:
        for clause, ids in table.items():
            shown = ", ".join(ids[:3]) + (f" (+{len(ids) - 3})" if len(ids) > 3 else "")
            print(f"{clause:8} {len(ids):5}  {shown or 'NOT COVERED'}")
        print(f"{len(table) - len(missing)}/{len(table)} MUST clauses covered")
        if unknown:
            print(f"vectors name clauses the spec does not define: {', '.join(unknown)}")
    return 1 if missing or unknown else 0


# ---------------------------------------------------------------------------------------------
# conformance


def cmd_conform(args: argparse.Namespace) -> int:
    from aqwal_conformance.iut import check_timeout
    from aqwal_conformance.protocol import check_request_kinds
    from aqwal_conformance.report import FORMATS
    from aqwal_conformance.runner import CaseResult, read_expected_failures, run
    from aqwal_conformance.vectorset import VectorSetError

    try:
        timeout = check_timeout(args.timeout)
    except ValueError as exc:
        raise UsageError(f"--timeout: {exc}") from None
    if args.examples < 1:
        raise UsageError(f"--examples must be at least 1, not {args.examples}")
    try:
        require = check_request_kinds(args.require or ())
    except ValueError as exc:
        raise UsageError(f"--require: {exc}") from None
    if args.stateful_leave_out and not args.stateful:
        raise UsageError("--stateful-leave-out applies to differential mode: add --stateful")
    if args.stateful:
        try:
            import aqwal_conformance.differential  # noqa: F401
        except ImportError as exc:
            raise UsageError(
                f"--stateful needs the test extra (pip install 'aqwal[test]'): {exc}"
            ) from None
    expected: dict[str, str] = {}
    if args.expected_failures:
        try:
            expected = read_expected_failures(Path(args.expected_failures))
        except OSError as exc:
            raise UsageError(f"cannot read {args.expected_failures}: {exc.strerror}") from None
        except ValueError:
            raise UsageError(f"{args.expected_failures} is not UTF-8 text") from None
    if args.output and not Path(args.output).absolute().parent.is_dir():
        raise UsageError(f"cannot write {args.output}: its directory does not exist")
    quiet = args.quiet
    show_progress = sys.stderr.isatty() and not quiet

    def progress(done: int, total: int, result: CaseResult) -> None:
        if done == total or done % 25 == 0:
            print(f"\r{done}/{total} {result.category:8}", end="", file=sys.stderr, flush=True)
        if done == total:
            print(file=sys.stderr)

    def notice(line: str) -> None:
        if not quiet:
            print(f"aqwal: {line}", file=sys.stderr, flush=True)

    try:
        report = run(
            args.iut,
            vectors=args.vectors,
            categories=args.category or None,
            expected_failures=expected,
            timeout=timeout,
            progress=progress if show_progress else None,
            grading=args.grading,
            require=require,
            allow_skips=args.allow_skips,
            stateful=args.examples if args.stateful else None,
            notice=notice,
            leave_out=args.stateful_leave_out or (),
        )
    except VectorSetError as exc:
        raise UsageError(f"vectors: {exc}") from None
    except RuntimeError as exc:
        print(f"aqwal: {exc}", file=sys.stderr)
        return 1
    text = FORMATS[args.report](report)
    if args.output:
        _write_report(args.output, text.encode("utf-8"))
        for result in report.results:
            if result.log is not None:
                wal = difference_log_path(args.output)
                _write_report(str(wal), result.log)
                print(f"aqwal: the difference's log is in {wal}", file=sys.stderr)
                if result.snapshot is not None:
                    snapshot = wal.with_suffix(".snapshot")
                    _write_report(str(snapshot), result.snapshot)
                    print(f"aqwal: the snapshot replayed with it is in {snapshot}", file=sys.stderr)
        if args.report != "text":
            sys.stdout.write(FORMATS["text"](report))
    else:
        sys.stdout.write(text)
    return 0 if report.ok else 1


def _write_report(path: str, data: bytes) -> None:
    try:
        write_output_atomically(path, data)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def difference_log_path(output: str) -> Path:
    """Where a differential run writes its failing log: beside the report (spec: CP-10)."""
    return Path(output).with_suffix(".difference.wal")


def cmd_vectors_path(args: argparse.Namespace) -> int:
    from aqwal_conformance.vectorset import packaged_vectors

    found = packaged_vectors()
    if found is None:
        print("aqwal: no vectors are installed with this package", file=sys.stderr)
        return 1
    print(found)
    return 0


MAX_REGISTRY_BYTES = 16 << 20


def _schema_overlay(path: str | None) -> Any:
    from aqwal.rustextract import load_overlay, overlay_document

    if path is None:
        from aqwal.declarations import SNAPSHOT_V8, WAL_V5

        return load_overlay(json.dumps(overlay_document([WAL_V5, SNAPSHOT_V8])), "overlay")
    try:
        with open(path, "rb") as f:
            return load_overlay(f.read(MAX_REGISTRY_BYTES + 1), path)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def _schema_side(spec: str, overlay: Any, registry: str | None = None) -> Any:
    """The registries of one side of a diff or of an extraction, by name. Only the WAL
    registry is extracted when only it is wanted (the snapshot's needs the WAL's)."""
    from aqwal.rustextract import ENGINE_TARGETS
    from aqwal.rustsource import ParserUnavailable
    from aqwal.schemasource import SourceUnavailable, registries_of

    targets = ENGINE_TARGETS[:1] if registry == "wal" else ENGINE_TARGETS
    try:
        return registries_of(spec, overlay, targets)
    except (SourceUnavailable, ParserUnavailable) as exc:
        raise UsageError(str(exc)) from None


def cmd_schema_extract(args: argparse.Namespace) -> int:
    from aqwal.registry import export_text

    try:
        regs = _schema_side(args.source, _schema_overlay(args.overlay), args.registry)
    except AqwalError as err:
        report(err)
        return 2
    if args.registry not in regs:
        raise UsageError(f"{args.source} has no {args.registry} registry")
    text = export_text(regs[args.registry])
    if args.output:
        write_output_atomically(args.output, text.encode("utf-8"))
    else:
        sys.stdout.write(text)
    return 0


def cmd_schema_diff(args: argparse.Namespace) -> int:
    from aqwal.schemadiff import diff
    from aqwal.schemareport import FORMATS, DiffReport

    try:
        overlay = _schema_overlay(args.overlay)
        if args.against_code:
            if args.new is not None:
                raise UsageError("with --against-code give one registry")
            old = _schema_side(args.old, overlay, args.registry)
            new = {
                name: _registry_for(current)
                for name, current in (("wal", "wal-v5"), ("snapshot", "snapshot-v8"))
                if name in old
            }
            if not new:
                raise UsageError(f"no current declarations for the registries of {args.old}")
            new_label = "current declarations"
        else:
            if args.new is None:
                raise UsageError("give OLD and NEW (or --against-code OLD)")
            old = _schema_side(args.old, overlay, args.registry)
            new = _schema_side(args.new, overlay, args.registry)
            new_label = args.new
    except AqwalError as err:
        report(err)
        return 2
    if len(old) == 1 and len(new) == 1:
        pairs = [(next(iter(old.values())), next(iter(new.values())))]
    else:
        names = [n for n in old if n in new and args.registry in (None, n)]
        if not names:
            raise UsageError(f"{args.old} and {new_label} have no registry in common")
        pairs = [(old[n], new[n]) for n in names]
    changes = tuple(c for o, n in pairs for c in diff(o, n))
    result = DiffReport(args.old, new_label, tuple(o.name for o, _ in pairs), changes)
    sys.stdout.write(FORMATS[args.format](result))
    return 1 if result.breaking else 0


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
    parser.add_argument(
        "--debug",
        action="store_true",
        help=f"let an internal error raise with its traceback (also {DEBUG_ENV}=1)",
    )
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

    p = sub.add_parser(
        "replay",
        help="replay a WAL file or data directory into state",
        description="Replay records into state. By default print the final state as the "
        "engine's snapshot JSON. A rejected record does not stop replay unless --strict. "
        "Exit 1 if a record was rejected or the log is corrupt.",
    )
    p.add_argument("path", help="a WAL file or a data directory")
    p.add_argument(
        "--events",
        action="store_true",
        help='print one line per record, then the state as {"state": ...}',
    )
    p.add_argument("--digest", action="store_true", help="print only the state digest")
    p.add_argument("--strict", action="store_true", help="stop at the first rejected record")
    p.add_argument("--no-snapshot", action="store_true", help="ignore the snapshot of a data dir")
    p.add_argument(
        "--engine-compatible",
        action="store_true",
        help="reproduce the engine's bootstrap, including its known divergences",
    )
    p.add_argument("--timestamp", type=int, default=0, help="snapshot timestamp to print")
    p.add_argument("--lenient", action="store_true", help="accept the acceptable leniencies")
    _codec_options(p)
    p.set_defaults(handler=cmd_replay)

    p = sub.add_parser("verify", help="frame-by-frame and tail validation; exit 1 if invalid")
    p.add_argument("path", help="a WAL file or a data directory")
    p.add_argument("--json", action="store_true", help="machine-readable report")
    p.add_argument("--lenient", action="store_true", help="accept the acceptable leniencies")
    _codec_options(p)
    p.set_defaults(handler=cmd_verify)

    p = sub.add_parser("inspect", help="records per variant, sequences, sizes, snapshot, tail")
    p.add_argument("path", help="a WAL file or a data directory")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--lenient", action="store_true", help="accept the acceptable leniencies")
    _codec_options(p)
    p.set_defaults(handler=cmd_inspect)

    snapshot = sub.add_parser("snapshot", help="write or show snapshot files").add_subparsers(
        dest="snapshot_command", required=True, metavar="SUBCOMMAND"
    )
    p = snapshot.add_parser("write", help="replay PATH and write its snapshot to OUT")
    p.add_argument("path", help="a WAL file or a data directory")
    p.add_argument("-o", "--output", required=True, help="snapshot file to write")
    p.add_argument("--timestamp", type=int, default=0, help="the snapshot's timestamp field")
    _codec_options(p)
    p.set_defaults(handler=cmd_snapshot_write)
    p = snapshot.add_parser("show", help="validate a snapshot file and print its JSON")
    p.add_argument("file", help="snapshot file, - for stdin")
    p.add_argument(
        "--accept-older-schema",
        action="store_true",
        help="also load schema_version 4-7 (the engine refuses them)",
    )
    p.set_defaults(handler=cmd_snapshot_show)

    p = sub.add_parser("repair", help="remove a torn tail; never drops a valid record")
    p.add_argument("path", help="a WAL file or a data directory")
    p.add_argument("--policy", choices=("strict", "truncate-partial"), default="truncate-partial")
    p.add_argument("-o", "--output", help="write the repaired log here")
    p.add_argument("--in-place", action="store_true", help="truncate the file itself")
    p.add_argument("--lenient", action="store_true", help="accept the acceptable leniencies")
    _codec_options(p)
    p.set_defaults(handler=cmd_repair)

    vectors = sub.add_parser("vectors", help="golden test vectors").add_subparsers(
        dest="vectors_command", required=True, metavar="SUBCOMMAND"
    )
    p = vectors.add_parser("generate", help="regenerate the vectors (byte-identical each run)")
    p.add_argument("--out", default="vectors", help="output directory (default: vectors)")
    p.set_defaults(handler=cmd_vectors_generate)
    p = vectors.add_parser("verify", help="check every vector against the reference")
    p.add_argument("dir", nargs="?", default="vectors", help="vectors directory")
    p.set_defaults(handler=cmd_vectors_verify)
    p = vectors.add_parser(
        "coverage", help="MUST clauses of the spec and the vectors covering them"
    )
    p.add_argument("dir", nargs="?", default="vectors", help="vectors directory")
    p.add_argument("--spec", default="spec", help="spec directory (default: spec)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=cmd_vectors_coverage)
    p = vectors.add_parser("path", help="print where the vectors installed with aqwal are")
    p.set_defaults(handler=cmd_vectors_path)

    p = sub.add_parser(
        "conform",
        help="check an implementation against every vector (default: the reference)",
        description="Drive an implementation under test through the golden vectors over the "
        "conformance protocol. Without --iut, check the built-in reference.",
    )
    p.add_argument("--iut", help="command that starts the implementation under test")
    p.add_argument(
        "--vectors",
        help="vectors directory (default: vectors/ of the aqwal checkout the current directory "
        "is in, else the vectors installed with aqwal)",
    )
    p.add_argument(
        "--category",
        action="append",
        choices=(
            *("codec", "frame", "encode", "wal", "replay", "snapshot", "compat", "write"),
            "request",
        ),
        help="only this category (repeatable)",
    )
    p.add_argument("--expected-failures", help="file of case ids known to fail, with reasons")
    p.add_argument("--report", choices=("text", "json", "junit"), default="text")
    p.add_argument("-o", "--output", help="write the report here")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.add_argument(
        "--grading",
        choices=("outcome", "code", "exact"),
        default="outcome",
        help="the conformance level every case must reach (default: outcome)",
    )
    p.add_argument(
        "--require",
        action="append",
        metavar="KIND",
        help="fail when the IUT does not support this request kind of CP-4 (repeatable)",
    )
    p.add_argument(
        "--allow-skips",
        action="store_true",
        help="accept a run in which every case was skipped",
    )
    p.add_argument(
        "--stateful",
        action="store_true",
        help="differential mode: drive the IUT with the stateful machine (with --category, "
        "after those vectors)",
    )
    p.add_argument("--examples", type=int, default=50, help="stateful examples to run")
    p.add_argument(
        "--stateful-leave-out",
        action="append",
        choices=("snapshots", "reused-attempt-ids", "lenient-encodings"),  # runner.LEAVE_OUT
        metavar="PART",
        help="leave this part out of the stateful examples, for an IUT with a known divergence "
        "in it (repeatable; snapshots, reused-attempt-ids, lenient-encodings)",
    )
    p.set_defaults(handler=cmd_conform)

    schema = sub.add_parser("schema", help="the registry of WAL types").add_subparsers(
        dest="schema_command", required=True, metavar="SUBCOMMAND"
    )
    p = schema.add_parser("export", help="print the registry derived from the declarations")
    p.add_argument("-o", "--output", help="output file (default: stdout)")
    p.add_argument("--wal-version", type=int, choices=(4, 5), default=5)
    p.add_argument(
        "--registry",
        choices=("wal-v5", "wal-v4", "snapshot-v8", "errors"),
        help="which registry (default: the WAL of --wal-version; errors: the error table)",
    )
    p.add_argument(
        "--overlay",
        action="store_true",
        help="the overlay that extraction merges (clause ids, tuple-variant field names)",
    )
    p.add_argument(
        "--check",
        metavar="FILE",
        help="compare FILE with the export instead of writing: 0 current, 1 stale, 2 invalid",
    )
    p.set_defaults(handler=cmd_schema_export)
    p = schema.add_parser(
        "extract",
        help="extract a registry from the engine's Rust source",
        description="Read the Rust crates under SOURCE (a directory or GIT_DIR@REV) and print "
        "the registry their serde types define, from WalEvent or from the snapshot document. "
        "Exit 2 when the source cannot be read or uses a construct without a registry form.",
    )
    p.add_argument("source", help="a directory of Rust crates, or GIT_DIR@REV")
    p.add_argument("--registry", choices=("wal", "snapshot"), default="wal")
    p.add_argument("--overlay", metavar="FILE", help="overlay to merge (default: the built-in)")
    p.add_argument("-o", "--output", help="output file (default: stdout)")
    p.set_defaults(handler=cmd_schema_extract)
    p = schema.add_parser(
        "diff",
        help="classify every change between two registries; exit 1 if any is breaking",
        description="Compare two sides, each a registry file, a directory of Rust crates or "
        "GIT_DIR@REV. Exit 0 when every change is compatible, 1 when one breaks existing logs "
        "or snapshots, 2 on usage error or an invalid registry or source.",
    )
    p.add_argument("old", help="the old side: registry file, source directory or GIT_DIR@REV")
    p.add_argument("new", nargs="?", help="the new side (same forms)")
    p.add_argument(
        "--against-code", action="store_true", help="compare OLD with the current declarations"
    )
    p.add_argument(
        "--registry",
        choices=("wal", "snapshot"),
        help="when both sides hold several registries: compare only this one",
    )
    p.add_argument("--overlay", metavar="FILE", help="overlay for extracted registries")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    p.set_defaults(handler=cmd_schema_diff)
    return parser


#: Set (to anything but "" or "0") to let an internal error raise with its traceback.
DEBUG_ENV = "AQWAL_DEBUG"


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    debug = args.debug or os.environ.get(DEBUG_ENV, "") not in ("", "0")
    try:
        return handler(args)
    except UsageError as exc:
        print(f"aqwal: {exc}", file=sys.stderr)
        return 2
    except AqwalError as exc:
        # bad input that a command did not report itself: still one line, exit 1
        report(exc)
        return 1
    except BrokenPipeError:
        # The reader went away (e.g. `aqwal decode log | head`): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("aqwal: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        # A bug: one line that says so, not a stack dump (--debug shows the traceback).
        if debug:
            raise
        message = _one_line(str(exc).encode("utf-8", "backslashreplace").decode("utf-8"))
        print(
            f"aqwal: internal error: {type(exc).__name__}: {message} (please report; "
            f"--debug or {DEBUG_ENV}=1 shows the traceback)",
            file=sys.stderr,
        )
        return 3


if __name__ == "__main__":
    sys.exit(main())
