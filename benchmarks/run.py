"""The benchmark suite: one command, one table, baselines measured in the same run.

    python benchmarks/run.py [--quick] [--memory] [--memory-gb N] [--verify-gb N]

Every figure is printed beside peers run on the same data in the same process:

* codec (``codec_bench.py``): frame decode+CRC+validate and encode of small lifecycle events,
  TaskCreated with 200-byte payloads and a realistic mix — against ``zlib.crc32`` (the floor),
  msgspec (a C typed decoder), a naive per-field interpreter and a hand-written decoder;
* WAL file scan and replay from file — against reading the file and CRC-checking every frame,
  and replay against the scan alone (the same reading, the same paused collector);
* snapshot write and load — against ``json.dumps`` / ``json.loads`` of the same document (the
  load and its peer both with the cyclic collector paused);
* ``vectors verify`` and ``conform`` against the reference testee over the protocol;
* with ``--memory``: peak RSS while replaying a log from a child process, for a log whose live
  state grows (every task is kept, as in the engine) and for one of ``--memory-gb`` gigabytes
  whose live state is bounded (long-running runs, heartbeats, budgets): the reader itself holds
  O(1) memory, so the second stays flat; then ``verify`` of that log against reading it and
  checking every CRC;
* with ``--verify-gb N``: ``verify`` of a log of N gigabytes, the same comparison.

Results go to stdout and ``benchmarks/results/latest.json``. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import codec_bench
from aqwal.codec import HEADER, encode_record
from aqwal.datadir import recover
from aqwal.forms import JSON_FORM, to_json_text
from aqwal.gcpause import paused_gc
from aqwal.snapshot import encode_snapshot, load_snapshot_state, snapshot_file_of, snapshot_of
from aqwal.walfile import iter_wal_file, iter_wal_file_batches, validate_wal_file
from aqwal_conformance.workload import engine_like_log

ROOT = Path(__file__).resolve().parents[1]
Row = dict[str, Any]


def best_rate(fn: Callable[[], float], runs: int) -> float:
    """Items per CPU-second of this process, best of ``runs`` (see ``codec_bench.rate``)."""
    best = 0.0
    for _ in range(runs):
        start = time.process_time()
        count = fn()
        best = max(best, count / max(time.process_time() - start, 1e-9))
    return best


def write_log(path: Path, events: int, seed: int = 7) -> int:
    with open(path, "wb") as f:
        for e in engine_like_log(random.Random(seed), events):
            f.write(encode_record(e))
    return events


def file_rows(tmp: Path, events: int, runs: int) -> list[Row]:
    log = tmp / "bench.wal"
    write_log(log, events)
    rows: list[Row] = []

    def scan() -> int:
        # what replay reads, read as replay reads it: in batches, with the collector paused
        with paused_gc():
            return sum(len(events) for _, events in iter_wal_file_batches(log))

    def crc_only() -> int:
        data = log.read_bytes()
        offset = n = 0
        while offset < len(data):
            _, length, crc = HEADER.unpack_from(data, offset)
            if zlib.crc32(data[offset + 12 : offset + 12 + length]) != crc:
                raise AssertionError("bad frame")
            offset += 12 + length
            n += 1
        return n

    def replay() -> int:
        return recover(log).applied

    corpus = f"log {events // 1000}k events"
    rows += measured(
        [
            (corpus, "scan", "aqwal", scan),
            (corpus, "scan", "crc32", crc_only),
            (corpus, "replay", "aqwal", replay),
            (corpus, "replay", "scan only", scan),
        ],
        runs,
    )
    rows += decode_cli_rows(log, runs)
    state = recover(log).state
    snap = snapshot_of(state, 1)
    doc = JSON_FORM.dump("Snapshot", snap)
    data = encode_snapshot(snap)
    payload = data[12:]
    records = len(snap.tasks) + len(snap.runs)
    corpus = f"snapshot {records} tasks+runs"
    rows += measured(
        [
            (corpus, "write", "aqwal", lambda: (snapshot_file_of(state, 1), records)[1]),
            (corpus, "write", "json.dumps", lambda: (to_json_text(doc), records)[1]),
            (corpus, "load", "aqwal", lambda: load_state(data, records)),
            (corpus, "load", "json.loads", lambda: json_load(payload, records)),
        ],
        runs,
    )
    return rows


def measured(specs: list[tuple[str, str, str, Callable[[], float]]], runs: int) -> list[Row]:
    """Rows for (corpus, op, impl, function), the functions measured in alternation."""
    rates = codec_bench.interleaved_rates([fn for *_, fn in specs], 0.0, min_rounds=runs)
    return [
        {"corpus": corpus, "op": op, "impl": impl, "rate": r}
        for (corpus, op, impl, _), r in zip(specs, rates, strict=True)
    ]


def decode_cli_rows(log: Path, runs: int) -> list[Row]:
    """``aqwal decode`` to JSON lines (run in this process, output to /dev/null) beside the
    serialization of the same lines alone, the same lines made by decoding values and writing
    them, and msgspec's MessagePack-to-JSON pipeline."""
    from aqwal import cli

    events = [e for _, e in iter_wal_file(log)]
    corpus = f"decode to JSON lines, {len(events) // 1000}k records"
    rows: list[Row] = []

    def aqwal_cli() -> int:
        with open(os.devnull, "w", encoding="utf-8") as sink, redirect_stdout(sink):
            if cli.main(["decode", str(log)]) != 0:
                raise AssertionError("decode failed")
        return len(events)

    def via_values() -> int:
        # the path before records were decoded straight to text: values, then the JSON writer
        from aqwal.codec import read_record_batches
        from aqwal.json_writer import wal_event_json

        with open(log, "rb") as f, open(os.devnull, "w", encoding="utf-8") as sink:
            for _offsets, batch in read_record_batches(f):
                sink.write("\n".join(map(wal_event_json, batch)) + "\n")
        return len(events)

    forms = [JSON_FORM.dump("WalEvent", e) for e in events]

    def dumps_only() -> int:
        # the same text from form objects built beforehand: the serialization alone
        "\n".join([to_json_text(f) for f in forms])
        return len(events)

    specs: list[tuple[str, str, str, Callable[[], float]]] = [
        (corpus, "decode", "aqwal", aqwal_cli),
        (corpus, "decode", "json.dumps", dumps_only),
        (corpus, "decode", "values+writer", via_values),
    ]
    peer = codec_bench.msgspec_json_lines_peer(events)
    if peer is not None:
        specs.append((corpus, "decode", "msgspec", peer))
    return rows + measured(specs, runs)


def load_state(data: bytes, records: int) -> int:
    """A snapshot file's bytes to a state, as recovery does it (one collector pause around
    loading and bootstrapping)."""
    load_snapshot_state(data)
    return records


def json_load(payload: bytes, records: int) -> int:
    """``json.loads`` of a snapshot's payload under the conditions of :func:`load_state`:
    with the collector running, its time would depend on when full collections of the
    whole heap happen to fall, which depends on what ran before."""
    with paused_gc():
        json.loads(payload)
    return records


def conformance_rows(runs: int) -> list[Row]:
    from aqwal_conformance.runner import run
    from aqwal_conformance.vectors import verify_vectors

    vectors = ROOT / "vectors"
    example = ROOT / "conformance" / "examples" / "reference_testee.py"
    rows: list[Row] = []
    rows.append(
        {
            "corpus": "vectors",
            "op": "verify",
            "impl": "aqwal",
            "rate": best_rate(lambda: verify_vectors(vectors).checked, runs),
        }
    )
    rows.append(
        {
            "corpus": "vectors",
            "op": "conform",
            "impl": "in process",
            "rate": best_rate(lambda: len(run(vectors=vectors).results), runs),
        }
    )
    rows.append(
        {
            "corpus": "vectors",
            "op": "conform",
            "impl": "testee process",
            "rate": best_rate(
                lambda: len(run(f"{sys.executable} {example}", vectors=vectors).results), 1
            ),
        }
    )
    return rows


def memory_rows(tmp: Path, growing_events: int, steady_gb: float) -> list[Row]:
    rows: list[Row] = []
    grow = tmp / "grow.wal"
    write_log(grow, growing_events)
    rows.append(_child_replay("growing state", grow))
    steady = tmp / "steady.wal"
    size = _write_steady_log(steady, int(steady_gb * 1024**3))
    row = _child_replay(f"bounded state, {size / 1024**3:.2f} GB", steady)
    rows.append(row)
    rows += memory_per_record_rows(rows[0], tmp)
    rows += verify_rows(steady, 1)
    steady.unlink()
    return rows


def large_verify_rows(tmp: Path, gigabytes: float) -> list[Row]:
    """``verify`` of a log of ``gigabytes`` (the bounded-state log of ``--memory``), once."""
    log = tmp / "large.wal"
    _write_steady_log(log, int(gigabytes * 1024**3))
    try:
        return verify_rows(log, 1)
    finally:
        log.unlink()


def _write_steady_log(path: Path, target_bytes: int) -> int:
    """Long-running runs that heartbeat forever, budgets consumed, actors heartbeating."""
    from aqwal import types as t
    from aqwal_conformance.scenarios import LogBuilder

    b = LogBuilder()
    runs = []
    for _ in range(100):
        run_id = b.run()
        b.drive(run_id, t.RunState.Leased)
        b.lease(run_id, "worker", 10)
        b.move(run_id, t.RunState.Leased, t.RunState.Running)
        b.attempt(run_id)
        runs.append(run_id)
    task = b.task()
    b.add(t.BudgetAllocated(task, t.BudgetDimension.Token, 2**63, b.tick()))
    with open(path, "wb") as f:
        for e in b.events:
            f.write(encode_record(e))
        seq = b.sequence
        expiry = 10
        written = f.tell()
        while written < target_bytes:
            chunk = bytearray()
            expiry += 1
            for run_id in runs:
                seq += 1
                chunk += encode_record(
                    t.WalEvent(seq, t.LeaseHeartbeat(run_id, "worker", expiry, seq))
                )
                seq += 1
                chunk += encode_record(
                    t.WalEvent(seq, t.BudgetConsumed(task, t.BudgetDimension.Token, 1, seq))
                )
            f.write(chunk)
            written += len(chunk)
    return path.stat().st_size


def _child_replay(name: str, path: Path) -> Row:
    # VmHWM is the peak RSS of this process image (ru_maxrss would include the parent's peak,
    # which Linux carries across fork and exec).
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from aqwal.datadir import recover\n"
        "def status(key):\n"
        "    return [l for l in open('/proc/self/status') if l.startswith(key)][0].split()[1]\n"
        "base = status('VmRSS')\n"
        "t = time.process_time(); r = recover(Path(sys.argv[1])); t = time.process_time() - t\n"
        "print(r.applied, t, status('VmHWM'), base, len(r.state.tasks) + len(r.state.runs))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    ).stdout.split()
    applied, seconds, rss_kb, base_kb, live = (
        int(out[0]),
        float(out[1]),
        int(out[2]),
        int(out[3]),
        int(out[4]),
    )
    return {
        "corpus": name,
        "op": "replay (child)",
        "impl": "aqwal",
        "rate": applied / seconds,
        "events": applied,
        "file_bytes": path.stat().st_size,
        "peak_rss_mb": round(rss_kb / 1024, 1),
        "live_records": live,
        "rss_per_live_record_kb": round((rss_kb - base_kb) / max(live, 1), 2),
    }


def memory_per_record_rows(row: Row, tmp: Path) -> list[Row]:
    """Peak RSS per live task+run of a growing replay beside the snapshot JSON bytes per
    task+run of the same state (what the state takes written down)."""
    log = tmp / "grow.wal"
    state = recover(log).state
    live = len(state.tasks) + len(state.runs)
    snapshot_kb = len(snapshot_file_of(state, 1)) / live / 1024
    corpus = f"memory per live task+run ({live:,})"
    return [
        {"corpus": corpus, "op": "KB", "impl": "aqwal", "rate": row["rss_per_live_record_kb"]},
        {"corpus": corpus, "op": "KB", "impl": "snapshot JSON", "rate": snapshot_kb},
    ]


def verify_rows(path: Path, runs: int) -> list[Row]:
    """``verify`` (every frame checked and decoded, the tail classified) of a large log beside
    reading it and checking every CRC, in MB per CPU-second."""
    size_mb = path.stat().st_size / 1e6

    def verify() -> float:
        validate_wal_file(path)
        return size_mb

    def crc_only() -> float:
        with open(path, "rb") as f:
            pending = b""
            while block := f.read(1 << 20):
                data = pending + block
                offset = 0
                while len(data) - offset >= 12:
                    _, length, crc = HEADER.unpack_from(data, offset)
                    end = offset + 12 + length
                    if end > len(data):
                        break
                    if zlib.crc32(data[offset + 12 : end]) != crc:
                        raise AssertionError("bad frame")
                    offset = end
                pending = data[offset:]
        return size_mb

    corpus = f"verify {size_mb / 1000:.2f} GB log (MB/s)"
    return measured(
        [(corpus, "verify", "aqwal", verify), (corpus, "verify", "crc32 scan", crc_only)], runs
    )


def print_table(rows: list[Row]) -> None:
    """One line per figure; peers carry the ratio aqwal / peer (for rates, above 1 means aqwal
    is faster; for the KB rows, smaller is better)."""
    base = {(r["corpus"], r["op"]): r["rate"] for r in rows if r["impl"] == "aqwal"}
    print(f"{'corpus':42} {'op':15} {'impl':15} {'per CPU-s':>12} {'aqwal/impl':>10}  notes")
    for r in rows:
        ours = base.get((r["corpus"], r["op"]))
        ratio = f"{ours / r['rate']:.2f}" if ours and r["impl"] != "aqwal" else ""
        notes = (
            f"peak RSS {r['peak_rss_mb']} MB, {r['events']:,} events" if "peak_rss_mb" in r else ""
        )
        value = f"{r['rate']:12,.2f}" if r["op"] == "KB" else f"{r['rate']:12,.0f}"
        print(f"{r['corpus']:42} {r['op']:15} {r['impl']:15} {value} {ratio:>10}  {notes}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller inputs, fewer runs")
    parser.add_argument("--memory", action="store_true", help="also measure peak RSS")
    parser.add_argument(
        "--memory-gb",
        type=float,
        default=1.0,
        help="size of the bounded-state log for --memory (default 1)",
    )
    parser.add_argument(
        "--verify-gb",
        type=float,
        help="also measure verify of a log of this many gigabytes (written to a temporary "
        "directory and removed afterwards)",
    )
    args = parser.parse_args(argv)
    runs = 1 if args.quick else 3
    rows: list[Row] = []
    rng = random.Random(5)
    size = 5_000 if args.quick else 50_000
    seconds = 0.3 if args.quick else 2.0
    for name, events in (
        ("small", codec_bench.small_events(rng, size)),
        ("task200", codec_bench.task_events(rng, size // 5)),
        ("mix", codec_bench.mixed_events(rng, size)),
    ):
        rows += codec_bench.bench_corpus(name, events, seconds)
    with tempfile.TemporaryDirectory() as tmp:
        rows += file_rows(Path(tmp), 20_000 if args.quick else 200_000, runs)
        rows += conformance_rows(runs)
        if args.memory:
            rows += memory_rows(Path(tmp), 1_000_000, args.memory_gb)
        if args.verify_gb:
            rows += large_verify_rows(Path(tmp), args.verify_gb)
    from aqwal import codec

    build = "compiled" if codec.__file__.endswith((".so", ".pyd")) else "pure Python"
    print(f"python {platform.python_version()} on {platform.machine()}, aqwal {build}")
    print_table(rows)
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    doc = {"python": platform.python_version(), "build": build, "rows": rows}
    (out / "latest.json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
