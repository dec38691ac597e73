"""WAL files: streaming reading, tail validation and repair (spec: WAL-1 .. WAL-9).

A WAL file is records back to back from offset 0, with no file header (WAL-1). Reading is
streaming: memory is bounded by the read chunk plus the largest record, whatever the file size.

Corruption is reported the way the engine's writer-open scanner reports it (WAL-3): the byte
offset of the *start* of the failing record and one of five reason codes, checked in this
order: ``incomplete_header``, ``unsupported_version``, ``decode_failure`` (payload over
256 MiB), ``incomplete_payload``, then ``crc_mismatch`` or ``decode_failure``. The error's
``cause`` keeps the precise aqwal code (``frame_crc_mismatch``, ``invalid_utf8``, ...).
"""

from __future__ import annotations

import os
import stat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter, lt
from pathlib import Path
from typing import BinaryIO, Literal

from aqwal import postcard as _pc
from aqwal.atomicfile import file_kind, write_atomically
from aqwal.codec import HEADER_LEN, MAX_PAYLOAD_LEN, WAL_VERSION, mode_of
from aqwal.errors import AqwalError, FrameError, WalFileError
from aqwal.frame import decode_frame_checked
from aqwal.gcpause import paused_gc
from aqwal.inputfile import FileRefused, open_regular
from aqwal.postcard_codec import _d_WalEvent, header_at
from aqwal.resync import find_valid_record
from aqwal.types import WalEvent

CHUNK = 1 << 20
#: The most records :func:`read_wal_batches` puts in one batch: enough to make the cost of a
#: batch negligible, few enough that a batch's records are still in the processor's caches
#: when they are used, and that the cyclic collector, if it runs, finds few of them alive.
BATCH = 64
WAL_RELATIVE_PATH = Path("wal") / "actionqueue.wal"
SNAPSHOT_RELATIVE_PATH = Path("snapshots") / "snapshot.bin"

#: The engine's reason codes, in the order of its WalCorruptionReasonCode enum (WAL-3).
REASONS = (
    "incomplete_header",
    "incomplete_payload",
    "unsupported_version",
    "decode_failure",
    "crc_mismatch",
)

TailKind = Literal["clean", "torn", "mid-file"]


class WalCorruption(WalFileError):
    """The first corrupt record of a WAL file: ``code`` is the engine's reason code."""

    def __init__(self, reason: str, message: str, *, offset: int, cause: AqwalError) -> None:
        super().__init__(reason, message, offset=offset)
        self.cause = cause

    def rebased(self, base: int) -> AqwalError:
        moved = self.cause.rebased(base)
        return WalCorruption(self.code, self.message, offset=(self.offset or 0) + base, cause=moved)

    def __reduce__(self) -> tuple[object, ...]:
        return (_corruption, (self.code, self.message, self.offset, self.cause))


def _corruption(code: str, message: str, offset: int, cause: AqwalError) -> WalCorruption:
    return WalCorruption(code, message, offset=offset, cause=cause)


def _corrupt(reason: str, record: int, cause: AqwalError) -> WalCorruption:
    return WalCorruption(
        reason,
        f"record at offset {record}: {cause.code}: {cause.message}",
        offset=record,
        cause=cause,
    )


def read_wal(
    stream: BinaryIO, *, strict: bool = True, workflow: bool = False, chunk: int = CHUNK
) -> Iterator[tuple[int, WalEvent]]:
    """Yield ``(offset, record)`` for every record; raise :class:`WalCorruption` at the first
    corrupt one, after yielding the records before it (spec: WAL-2, WAL-3)."""
    for offsets, events in read_wal_batches(stream, strict=strict, workflow=workflow, chunk=chunk):
        yield from zip(offsets, events, strict=True)


#: The engine's reason (WAL-3) for each check of FRM-5 a whole record fails; a payload that
#: does not decode is ``decode_failure``. A record cut off by the end of the file is
#: :func:`_cut_off`'s.
_REASON_OF_CHECK = {
    "frame_version_unsupported": "unsupported_version",
    "frame_payload_too_large": "decode_failure",
    "frame_empty_payload": "decode_failure",
    "frame_crc_mismatch": "crc_mismatch",
}


def _corruption_at(data: bytes, pos: int, base: int, mode: int) -> WalCorruption:
    """The corruption of the record at ``pos`` in ``data`` (file offset ``base + pos``), which
    is whole in ``data`` or fails a check before its length matters, and fails a check: the
    checks of a framed record (FRM-5, ``decode_frame_checked``) find which, in the order of
    WAL-3, and the engine's reason is the one for that check."""
    try:
        decode_frame_checked(data, pos, mode, _d_WalEvent)
    except AqwalError as exc:
        cause = exc.rebased(base)
        return _corrupt(_REASON_OF_CHECK.get(cause.code, "decode_failure"), base + pos, cause)
    raise AssertionError(f"the record at offset {base + pos} passes every check")


def _cut_off(data: bytes, record: int) -> WalCorruption:
    """The corruption of the last record, which the end of the file cuts off in its header or
    in its payload (WAL-3): ``data`` is the record's bytes to the end of the file, ``record``
    its file offset."""
    avail = len(data)
    if avail < HEADER_LEN:
        return _corrupt(
            "incomplete_header",
            record,
            FrameError("frame_too_short", f"{avail} byte(s) of a 12-byte header", offset=record),
        )
    length = header_at(data, 0)[1]
    return _corrupt(
        "incomplete_payload",
        record,
        FrameError(
            "frame_length_exceeds_buffer",
            f"declared length {length}, {avail - HEADER_LEN} byte(s) present",
            offset=record + 4,
        ),
    )


def read_wal_batches(
    stream: BinaryIO, *, strict: bool = True, workflow: bool = False, chunk: int = CHUNK
) -> Iterator[tuple[list[int], list[WalEvent]]]:
    """:func:`read_wal` a buffer at a time: the offsets and the records of each run of good
    records found in a chunk read (spec: WAL-2, WAL-3). At a corrupt record, the records
    before it come first, then its :class:`WalCorruption`; a batch holds at most
    :data:`BATCH` records.

    Every record goes through the one loop below, which tells a good record from one that
    fails a check of WAL-3 (:func:`_corruption_at` then says which) and from one cut off by
    the end of the buffer, which leaves the loop to read more and is checked again from its
    start."""
    mode = mode_of(strict=strict, workflow=workflow)
    check_trailing = bool(mode & _pc.STRICT)
    data = b""
    pos = 0  # position of the next record in data
    base = 0  # file offset of data[0]
    eof = False
    crc32 = zlib.crc32

    while True:
        offsets: list[int] = []
        events: list[WalEvent] = []
        failed = False
        size = len(data)
        room = BATCH
        while room:
            if size - pos < HEADER_LEN:
                break  # the header is cut off: read more, or incomplete_header at the end
            version, length, crc = header_at(data, pos)
            if version != WAL_VERSION or not 0 < length <= MAX_PAYLOAD_LEN:
                failed = True
                break
            end = pos + HEADER_LEN + length
            if end > size:
                break  # the payload is cut off: read more, or incomplete_payload at the end
            payload = data[pos + HEADER_LEN : end]
            if crc32(payload) != crc:
                failed = True
                break
            try:
                # called by name: the compiled build calls both without a Python-level call
                event, used = _d_WalEvent(payload, 0, length, mode)
            except (IndexError, AqwalError):
                failed = True
                break
            if used != length and check_trailing:
                failed = True
                break
            offsets.append(base + pos)
            events.append(event)
            pos = end
            room -= 1
        if events:
            yield offsets, events
        if failed:
            raise _corruption_at(data, pos, base, mode)
        if not room:
            continue  # the batch is full; the record at pos starts the next one

        # The record at pos is cut off by the end of the buffer.
        if eof:
            # the read that found the end of the file left the record at data[0]
            if not size:
                return
            raise _cut_off(data, base)
        avail = size - pos
        # a whole record when its header is here (its length is at most MAX_PAYLOAD_LEN)
        wanted = HEADER_LEN + header_at(data, pos)[1] - avail if avail >= HEADER_LEN else 0
        more = stream.read(max(chunk, wanted))
        eof = not more
        data = data[pos:] + more
        base += pos
        pos = 0


def iter_wal_file(
    path: Path, *, strict: bool = True, workflow: bool = False
) -> Iterator[tuple[int, WalEvent]]:
    """:func:`read_wal` over a file path; anything but a regular file is refused
    (:class:`~aqwal.inputfile.FileRefused`)."""
    with open_regular(path) as f:
        yield from read_wal(f, strict=strict, workflow=workflow)


def iter_wal_file_batches(
    path: Path, *, strict: bool = True, workflow: bool = False
) -> Iterator[tuple[list[int], list[WalEvent]]]:
    """:func:`read_wal_batches` over a file path, refused as by :func:`iter_wal_file`."""
    with open_regular(path) as f:
        yield from read_wal_batches(f, strict=strict, workflow=workflow)


# ---------------------------------------------------------------------------------------------
# tail validation


@dataclass(frozen=True, slots=True)
class TailReport:
    """The result of validating a whole WAL file (spec: WAL-4, WAL-5)."""

    path: str
    file_size: int
    records: int
    first_sequence: int | None
    #: Sequence of the last good record (the engine writer's ``current_sequence``), 0 if none.
    last_sequence: int
    #: Largest sequence seen (the in-memory validators' value).
    max_sequence: int
    #: Offset just after the last good record: the length of the valid prefix.
    valid_end: int
    corruption: WalCorruption | None
    #: ``clean``; ``torn`` (nothing valid after the corruption); ``mid-file`` (valid records
    #: follow it, starting at ``next_valid_offset``).
    tail: TailKind
    next_valid_offset: int | None
    #: Sequences that did not increase over their predecessor (offset, sequence) — WAL-6.
    non_increasing: tuple[tuple[int, int], ...]


#: How many non-increasing sequences a tail report lists at most (WAL-6).
MAX_NON_INCREASING = 100
_sequence_of = itemgetter(0)


def _note_non_increasing(
    bar: int, offsets: list[int], sequences: list[int], found: list[tuple[int, int]]
) -> None:
    """Add the records whose sequence is not above the one before (the first one's is ``bar``),
    up to :data:`MAX_NON_INCREASING` in all (spec: WAL-6)."""
    for offset, previous, sequence in zip(offsets, [bar, *sequences], sequences, strict=False):
        if sequence <= previous and len(found) < MAX_NON_INCREASING:
            found.append((offset, sequence))


def validate_wal_file(
    path: Path, *, strict: bool = True, workflow: bool = False, chunk: int = CHUNK
) -> TailReport:
    """Scan the whole file in bounded memory and linear time and classify its end
    (spec: WAL-4, WAL-5). Anything but a regular file is refused
    (:class:`~aqwal.inputfile.FileRefused`). ``chunk`` is the size of the reads; the report
    does not depend on it (WAL-11)."""
    records = 0
    first: int | None = None
    last = 0
    highest = 0
    corruption: WalCorruption | None = None
    non_increasing: list[tuple[int, int]] = []
    resync: int | None = None
    # the records decoded are dropped at once and form no cycles: the collector has nothing to do
    with open_regular(path) as f, paused_gc():
        size = os.fstat(f.fileno()).st_size
        batches = read_wal_batches(f, strict=strict, workflow=workflow, chunk=chunk)
        try:
            for offsets, events in batches:
                sequences = list(map(_sequence_of, events))
                highest = max(highest, *sequences)
                bar = last
                last = sequences[-1]
                if not records:
                    # the first record of the file has no predecessor: it only sets the bar
                    first = bar = sequences[0]
                    offsets, sequences = offsets[1:], sequences[1:]
                records += len(events)
                # spec: WAL-6 — a batch whose sequences all increase has nothing to note
                if not all(map(lt, [bar, *sequences], sequences)):
                    _note_non_increasing(bar, offsets, sequences, non_increasing)
        except WalCorruption as exc:
            corruption = exc
        if corruption is not None:
            valid_end = corruption.offset or 0
            # spec: WAL-5 — every offset after the corruption
            resync = find_valid_record(
                f, valid_end + 1, size, strict=strict, workflow=workflow, chunk=chunk
            )
    if corruption is not None:
        tail: TailKind = "torn" if resync is None else "mid-file"
    else:
        valid_end = size
        tail = "clean"
    return TailReport(
        str(path),
        size,
        records,
        first,
        last,
        highest,
        valid_end,
        corruption,
        tail,
        resync,
        tuple(non_increasing),
    )


# ---------------------------------------------------------------------------------------------
# repair

RepairPolicy = Literal["strict", "truncate-partial"]


@dataclass(frozen=True, slots=True)
class RepairResult:
    report: TailReport
    #: Bytes kept (the valid prefix) and bytes dropped.
    kept: int
    dropped: int
    written: str | None


def bytes_to_keep(report: TailReport, policy: RepairPolicy) -> int:
    """How much of the file a policy keeps, or the refusal it raises (spec: WAL-7, WAL-8)."""
    corruption = report.corruption
    if corruption is not None:
        if policy == "strict":
            raise corruption
        if report.tail == "mid-file":
            raise WalFileError(
                "mid_file_corruption",
                f"record at offset {corruption.offset} is corrupt ({corruption.code}) and a valid "
                f"record follows at offset {report.next_valid_offset}; truncating would drop it",
                offset=corruption.offset,
            )
    return report.valid_end


def repair_wal_file(
    path: Path,
    policy: RepairPolicy,
    *,
    output: Path | None = None,
    in_place: bool = False,
    strict: bool = True,
    workflow: bool = False,
) -> RepairResult:
    """Repair a WAL file under a policy (spec: WAL-7, WAL-8).

    ``strict`` refuses any corruption. ``truncate-partial`` removes a torn tail (a corrupt
    last record with nothing valid after it) and refuses mid-file corruption: no valid record
    is ever dropped. The result goes to ``output`` or, with ``in_place``, into ``path``;
    with neither, nothing is written. Refusals raise :class:`WalCorruption` or ``mid_file``.
    """
    if output is not None and in_place:
        raise ValueError("give an output path or in_place, not both")
    report = validate_wal_file(path, strict=strict, workflow=workflow)
    kept = bytes_to_keep(report, policy)
    written: str | None = None
    if output is not None:
        if output.exists() and output.samefile(path):
            raise ValueError("the output is the input file; use in_place")
        _copy_prefix(path, output, kept)
        written = str(output)
    elif in_place and kept < report.file_size:
        _truncate_in_place(path, kept)
        written = str(path)
    return RepairResult(report, kept, report.file_size - kept, written)


def _truncate_in_place(path: Path, length: int) -> None:
    fd = os.open(path, os.O_RDWR | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise FileRefused(path, f"is {file_kind(mode)}, not a regular file")
        os.ftruncate(fd, length)
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_prefix(src: Path, dst: Path, length: int) -> None:
    def blocks() -> Iterator[bytes]:
        with open_regular(src) as fin:
            remaining = length
            while remaining:
                block = fin.read(min(CHUNK, remaining))
                if not block:
                    return
                remaining -= len(block)
                yield block

    write_atomically(dst, blocks())
