"""The mutation benchmark: how many broken implementations do the conformance vectors catch?

    python benchmarks/mutation.py [--module M ...] [--limit N] [--jobs J] [--timeout S]
                                  [--stateful [--examples N]] [--json OUT] [--mutant ID ...]
                                  [--survivors-of RESULTS] [--list]

Each mutant is a copy of the reference package (``aqwal``) with one small fault planted
(``mutants.py``: operator swapped, condition negated, statement deleted, constant ±1, set
member dropped). It runs as the implementation under test over the conformance protocol
(``python -m aqwal_conformance.testee_server`` with the mutant first on its ``PYTHONPATH``)
against every vector, judged by the pristine runner; with ``--stateful``, the stateful machine
drives it in differential mode instead (``aqwal conform --stateful``). A mutant is *caught*
when any case fails, the IUT misbehaves, or the time budget (``--timeout``) runs out.

Before the mutants, each module's *control* (parsed and unparsed, no fault) must pass, or the
benchmark itself is broken and stops.

A surviving mutant either shows a gap in the vectors or cannot change any observable
behaviour: the latter are listed with a reason in ``mutation-equivalent.txt``; functions the
protocol cannot reach by design are listed in ``mutation-scope.txt`` and not mutated. The
headline score is caught / (mutants - equivalent). Every case is graded at level ``exact``
(CP-12), the strictest level the reference passes. ``--survivors-of R --json R`` judges the
survivors of the results document ``R`` again and writes ``R`` with their new verdicts folded
in (caught, now listed as equivalent, now out of scope, or still surviving). The score on
executed code counts only mutants on lines that one in-process run of all vectors through the
reference executes (with all vectors only; ``--stateful`` and ``--category`` runs report it as
"-").
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from aqwal.atomicfile import write_atomically
from mutants import Mutant, mutants
from mutation_worker import pristine_package

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_MODULES = (
    "codec",
    "postcard",
    "forms",
    "validation",
    "walfile",
    "reducer",
    "state",
    "snapshot",
    "digest",
    "projection",
    "frame",
    "cborinput",
    "jsonsyntax",
    "resync",
    "json_reader",
    "json_writer",
)
EQUIVALENT_FILE = HERE / "mutation-equivalent.txt"
SCOPE_FILE = HERE / "mutation-scope.txt"
RESULT_FORMAT = "aqwal-mutation/1"
#: Extra time the parent grants a worker beyond the mutant's budget before stopping it.
GRACE = 30.0


# ---------------------------------------------------------------------------------------------
# lists


def read_listing(path: Path) -> dict[str, str]:
    """``key  reason`` per line (two or more spaces apart); blank and ``#`` lines ignored."""
    out: dict[str, str] = {}
    if not path.exists():
        return out
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        key, sep, reason = text.partition("  ")
        if not sep or not reason.strip():
            raise ValueError(f"{path}:{number}: expected 'key  reason' (two spaces apart)")
        out[key.strip()] = reason.strip()
    return out


@dataclass(frozen=True)
class Equivalents:
    """The equivalent mutants: ids listed one by one, and *families* — a regular expression
    that a whole id must match — for a fault planted the same way in many functions of
    generated code, with one reason for all of them."""

    exact: dict[str, str]
    families: tuple[tuple[re.Pattern[str], str], ...] = ()

    def __contains__(self, m_id: object) -> bool:
        return isinstance(m_id, str) and self.reason(m_id) is not None

    def reason(self, m_id: str) -> str | None:
        if m_id in self.exact:
            return self.exact[m_id]
        return next((why for rx, why in self.families if rx.fullmatch(m_id)), None)

    def stale(self, ids: Iterable[str]) -> list[str]:
        """The listed ids and the families that match none of ``ids``."""
        ids = set(ids)
        unused = sorted(set(self.exact) - ids)
        unused += [f"~ {rx.pattern}" for rx, _ in self.families if not any(map(rx.fullmatch, ids))]
        return unused


def read_equivalents(path: Path) -> Equivalents:
    """:func:`read_listing`, where a key ``~ REGEX`` is a family of ids (:class:`Equivalents`)."""
    exact: dict[str, str] = {}
    families: list[tuple[re.Pattern[str], str]] = []
    for key, reason in read_listing(path).items():
        if key.startswith("~ "):
            families.append((re.compile(key[2:]), reason))
        else:
            exact[key] = reason
    return Equivalents(exact, tuple(families))


def in_scope(m: Mutant, scope: dict[str, str]) -> bool:
    """False when the mutant, or its function (or an enclosing one), is listed as out of
    scope: a key with ``": "`` is a mutant id, any other key ``module:function``."""
    if m.id in scope:
        return False
    name = f"{m.module}:{m.qualname}"
    return not any(name == key or name.startswith(key + ".") for key in scope)


def all_mutants(modules: Iterable[str], scope: dict[str, str]) -> list[Mutant]:
    package = pristine_package()
    out: list[Mutant] = []
    for module in modules:
        source = (package / f"{module}.py").read_text(encoding="utf-8")
        out += [m for m in mutants(module, source) if in_scope(m, scope)]
    return out


def select_mutants(
    candidates: list[Mutant], ids: Iterable[str] = (), limit: int | None = None
) -> list[Mutant]:
    """The mutants named by ``ids`` (all when none), then at most ``limit``, evenly spaced."""
    wanted = set(ids)
    chosen = [m for m in candidates if m.id in wanted] if wanted else list(candidates)
    missing = wanted - {m.id for m in chosen}
    if missing:
        raise SystemExit(f"no such mutant: {sorted(missing)[0]}")
    if limit is not None and limit < len(chosen):
        chosen = [chosen[i * len(chosen) // limit] for i in range(limit)]
    return chosen


# ---------------------------------------------------------------------------------------------
# executed lines


def executed_lines(vectors: Path, modules: Iterable[str]) -> dict[str, set[int]]:
    """Lines of each module that one in-process run of the vectors executes (imports
    included), traced in a child process so that the trace starts before the first import."""
    argv = [sys.executable, str(HERE / "mutation.py"), "--trace", "--vectors", str(vectors)]
    for module in modules:
        argv += ["--module", module]
    done = subprocess.run(argv, capture_output=True, check=True, text=True)
    return {m: set(lines) for m, lines in json.loads(done.stdout).items()}


def _trace(vectors: Path, modules: list[str]) -> dict[str, list[int]]:
    package = pristine_package()
    targets = {str(package / f"{m}.py"): m for m in modules}
    hits: dict[str, set[int]] = {m: set() for m in modules}

    def tracer(frame: Any, event: str, arg: object) -> Any:
        module = targets.get(frame.f_code.co_filename)
        if module is None:
            return None
        lines = hits[module]

        def local(frame: Any, event: str, arg: object) -> Any:
            if event == "line":
                lines.add(frame.f_lineno)
            return local

        return local

    sys.settrace(tracer)
    try:
        from aqwal_conformance.runner import run

        report = run(None, vectors=vectors)
    finally:
        sys.settrace(None)
    if not report.ok:
        raise SystemExit("the reference does not pass its own vectors")
    return {m: sorted(lines) for m, lines in hits.items()}


# ---------------------------------------------------------------------------------------------
# running


@dataclass
class Options:
    vectors: Path
    mode: str = "vectors"
    categories: list[str] | None = None
    jobs: int = os.cpu_count() or 1
    timeout: float = 120.0
    request_timeout: float = 10.0
    examples: int = 50

    def worker_settings(self) -> str:
        return json.dumps(
            {
                "mode": self.mode,
                "categories": self.categories,
                "request_timeout": min(self.request_timeout, self.timeout),
                "budget": self.timeout,
                "examples": self.examples,
            }
        )


class Worker:
    """A worker process and its private directory; replaced after a timeout or a crash."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.proc: subprocess.Popen[str] | None = None
        self.root: Path | None = None
        self._stderr: IO[bytes] | None = None

    def _start(self) -> subprocess.Popen[str]:
        self.root = Path(tempfile.mkdtemp(prefix="aqwal-mutation-"))
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        proc = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "mutation_worker.py"),
                str(self.root),
                str(self.options.vectors.resolve()),
                self.options.worker_settings(),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            start_new_session=True,
        )
        self.proc = proc
        if self._read(GRACE + 60) is None:
            raise RuntimeError(f"a benchmark worker did not start: {self._last_error()}")
        return proc

    def _read(self, timeout: float) -> dict[str, Any] | None:
        """The next line of the worker as JSON; None after ``timeout`` or at its end."""
        proc = self.proc
        assert proc is not None and proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        if not ready:
            return None
        line = proc.stdout.readline()
        if not line:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)  # it is ending: let the exit be seen
            return None
        doc: dict[str, Any] = json.loads(line)
        return doc

    def _last_error(self) -> str:
        try:
            assert self._stderr is not None
            self._stderr.seek(0)
            lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
        except (AssertionError, ValueError):  # stopped meanwhile
            return ""
        return lines[-1] if lines else "no message"

    def judge(self, m: Mutant | None, module: str) -> dict[str, Any]:
        """The verdict on one mutant (``None``: the module's control)."""
        proc = self.proc if self.proc is not None and self.proc.poll() is None else self._start()
        assert proc.stdin is not None
        job = {"module": module, "index": -1 if m is None else m.index}
        started = time.monotonic()
        proc.stdin.write(json.dumps(job) + "\n")
        proc.stdin.flush()
        verdict = self._read(self.options.timeout + GRACE)
        if verdict is not None:
            return verdict
        alive = proc.poll() is None
        detail = self._last_error()
        self.stop()
        if alive:
            reason = f"timeout: no verdict within {self.options.timeout + GRACE:g} s"
        else:
            reason = f"the worker died: {detail}"
        seconds = round(time.monotonic() - started, 3)
        return {"status": "caught", "reason": reason, "killed_by": None, "seconds": seconds}

    def stop(self) -> None:
        proc = self.proc
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()  # the worker closes its IUT on the way out
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    stream.close()
        if self._stderr is not None:
            self._stderr.close()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
        self.proc, self.root, self._stderr = None, None, None


Job = tuple[Mutant | None, str]


def judge_all(
    jobs: list[Job],
    options: Options,
    progress: Callable[[int, int, Job, dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """The verdict on every job, computed by ``options.jobs`` workers in parallel."""
    pending: queue.Queue[tuple[int, Job]] = queue.Queue()
    for item in enumerate(jobs):
        pending.put(item)
    verdicts: list[dict[str, Any]] = [{} for _ in jobs]
    lock = threading.Lock()
    done = 0
    failures: list[BaseException] = []
    workers = [Worker(options) for _ in range(max(1, min(options.jobs, len(jobs))))]

    def slot(worker: Worker) -> None:
        nonlocal done
        try:
            while not failures:
                try:
                    i, job = pending.get_nowait()
                except queue.Empty:
                    return
                verdict = worker.judge(*job)
                with lock:
                    verdicts[i] = verdict
                    done += 1
                    if progress is not None:
                        progress(done, len(jobs), job, verdict)
        except BaseException as exc:  # reported by the caller, after every slot stopped
            failures.append(exc)
        finally:
            worker.stop()

    threads = [threading.Thread(target=slot, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    except BaseException as exc:  # interrupted: stop the workers, then the slots end
        failures.append(exc)
        for worker in workers:
            worker.stop()
        for thread in threads:
            thread.join()
        raise
    if failures:
        raise failures[0]
    return verdicts


# ---------------------------------------------------------------------------------------------
# results


@dataclass
class Row:
    mutants: int = 0
    invalid: int = 0
    equivalent: int = 0
    caught: int = 0
    survived: int = 0
    executed: int = 0
    caught_executed: int = 0

    def scores(self) -> tuple[float | None, float | None]:
        judged = self.caught + self.survived
        score = self.caught / judged if judged else None
        on_executed = self.caught_executed / self.executed if self.executed else None
        return score, on_executed

    def as_dict(self) -> dict[str, Any]:
        score, on_executed = self.scores()
        return {
            **self.__dict__,
            "score": None if score is None else round(score, 4),
            "score_executed": None if on_executed is None else round(on_executed, 4),
        }


@dataclass
class Results:
    rows: dict[str, Row] = field(default_factory=dict)
    survivors: list[dict[str, Any]] = field(default_factory=list)
    #: Listed as equivalent, but caught: the listing is wrong (or stale).
    equivalent_caught: list[str] = field(default_factory=list)
    timeouts: int = 0

    @property
    def total(self) -> Row:
        total = Row()
        for row in self.rows.values():
            for key, value in row.__dict__.items():
                setattr(total, key, getattr(total, key) + value)
        return total


def tally(
    selected: list[Mutant],
    verdicts: list[dict[str, Any]],
    equivalent: Equivalents,
    executed: dict[str, set[int]] | None,
) -> Results:
    results = Results()
    for m, verdict in zip(selected, verdicts, strict=True):
        row = results.rows.setdefault(m.module, Row())
        status = verdict["status"]
        row.mutants += 1
        if status == "invalid":
            row.invalid += 1
            continue
        if verdict["reason"].startswith("timeout"):
            results.timeouts += 1
        if status == "caught" and m.id in equivalent:
            results.equivalent_caught.append(m.id)
        if status == "survived" and m.id in equivalent:
            row.equivalent += 1
            continue
        ran = None if executed is None else m.line in executed.get(m.module, set())
        if status == "caught":
            row.caught += 1
            row.caught_executed += bool(ran)
        else:
            row.survived += 1
            results.survivors.append({"id": m.id, "line": m.line, "executed": ran})
        row.executed += bool(ran)
    return results


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def table(results: Results) -> str:
    head = (
        f"{'module':<12}{'mutants':>8}{'invalid':>8}{'equiv':>7}{'caught':>8}{'survived':>9}"
        f"{'score':>9}{'executed':>10}{'score(exec)':>13}"
    )
    lines = [head]
    for name, row in [*sorted(results.rows.items()), ("total", results.total)]:
        score, on_executed = row.scores()
        lines.append(
            f"{name:<12}{row.mutants:>8}{row.invalid:>8}{row.equivalent:>7}{row.caught:>8}"
            f"{row.survived:>9}{_percent(score):>9}{row.executed:>10}{_percent(on_executed):>13}"
        )
    return "\n".join(lines)


def git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "reference", "vectors"],
            capture_output=True,
            text=True,
        )
    except OSError:
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def result_document(
    results: Results,
    options: Options,
    selected: list[Mutant],
    seconds: float,
    out_of_scope: dict[str, int],
) -> dict[str, Any]:
    return {
        "format": RESULT_FORMAT,
        "commit": git_commit(),
        "mode": options.mode,
        "categories": options.categories,
        "examples": options.examples if options.mode == "stateful" else None,
        "timeout": options.timeout,
        "mutants_run": len(selected),
        "seconds": round(seconds, 1),
        "modules": {name: row.as_dict() for name, row in sorted(results.rows.items())},
        "total": results.total.as_dict(),
        #: Mutants not planted because mutation-scope.txt lists them, per module.
        "out_of_scope": dict(sorted(out_of_scope.items())),
        "timeouts": results.timeouts,
        "equivalent_caught": sorted(results.equivalent_caught),
        "survivors": sorted(results.survivors, key=lambda s: str(s["id"])),
    }


def fold_rerun(
    earlier: dict[str, Any],
    rerun: Results,
    candidates: Iterable[Mutant],
    equivalent: Equivalents,
    commit: str | None,
) -> dict[str, Any]:
    """The results document ``earlier`` with its survivors judged again (``rerun``): each one
    is now caught, listed as equivalent, out of scope (no longer a candidate) or still a
    survivor. Every other count of ``earlier`` stands; ``earlier`` is not changed."""
    doc: dict[str, Any] = json.loads(json.dumps(earlier))
    candidates = list(candidates)
    known = {m.id for m in candidates}
    judged = {m.module for m in candidates}  # survivors of other modules were not run
    still = {s["id"] for s in rerun.survivors}
    rows = doc["modules"]
    kept: list[dict[str, Any]] = []
    for survivor in earlier["survivors"]:
        m_id = survivor["id"]
        row = rows[m_id.partition(":")[0]]
        ran = bool(survivor.get("executed"))
        if m_id in still or m_id.partition(":")[0] not in judged:
            kept.append(survivor)
            continue
        row["survived"] -= 1
        if m_id not in known:
            row["mutants"] -= 1
            row["executed"] -= ran
            module = m_id.partition(":")[0]
            doc["out_of_scope"][module] = doc["out_of_scope"].get(module, 0) + 1
        elif m_id in equivalent and m_id not in rerun.equivalent_caught:
            row["equivalent"] += 1
            row["executed"] -= ran
        else:
            row["caught"] += 1
            row["caught_executed"] += ran
    for name, counts in rows.items():
        rows[name] = Row(**{k: counts[k] for k in Row.__dataclass_fields__}).as_dict()
    total = Row()
    for counts in rows.values():
        for key in Row.__dataclass_fields__:
            setattr(total, key, getattr(total, key) + counts[key])
    doc["total"] = total.as_dict()
    doc["survivors"] = kept
    doc["equivalent_caught"] = sorted({*doc["equivalent_caught"], *rerun.equivalent_caught})
    doc["survivors_rerun_at"] = commit
    return doc


# ---------------------------------------------------------------------------------------------
# command line


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--module",
        action="append",
        help=f"a module of aqwal (default: {', '.join(DEFAULT_MODULES)})",
    )
    p.add_argument("--mutant", action="append", default=[], help="run this mutant (repeatable)")
    p.add_argument(
        "--survivors-of",
        type=Path,
        help="run the survivors of an earlier --json; --json then writes that document with "
        "their new verdicts folded in",
    )
    p.add_argument("--limit", type=int, help="at most N mutants, evenly spaced")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per mutant")
    p.add_argument("--stateful", action="store_true", help="the stateful machine, not vectors")
    p.add_argument("--examples", type=int, default=50, help="stateful examples per mutant")
    p.add_argument("--category", action="append", help="only these vector categories")
    p.add_argument("--vectors", type=Path, default=ROOT / "vectors")
    p.add_argument("--json", type=Path, help="write the results document here")
    p.add_argument("--list", action="store_true", help="print the mutant ids and stop")
    p.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.jobs < 1 or args.timeout <= 0 or (args.limit is not None and args.limit < 1):
        p.error("--jobs and --limit must be at least 1, --timeout positive")
    package = pristine_package()
    for module in args.module or ():
        if not module.isidentifier() or not (package / f"{module}.py").is_file():
            p.error(f"aqwal has no module {module!r}")
    return args


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _interrupted)
    args = parse_args(argv)
    modules = list(dict.fromkeys(args.module or DEFAULT_MODULES))
    if args.trace:
        print(json.dumps(_trace(args.vectors, modules)))
        return 0
    equivalent = read_equivalents(EQUIVALENT_FILE)
    scope = read_listing(SCOPE_FILE)
    unscoped = all_mutants(modules, {})
    candidates = [m for m in unscoped if in_scope(m, scope)]
    out_of_scope = {
        module: sum(1 for m in unscoped if m.module == module) - count
        for module, count in (
            (mod, sum(1 for m in candidates if m.module == mod)) for mod in modules
        )
    }
    ids = list(args.mutant)
    earlier: dict[str, Any] | None = None
    if args.survivors_of is not None:
        earlier = json.loads(args.survivors_of.read_text(encoding="utf-8"))
        known = {m.id for m in candidates}
        ids += [s["id"] for s in earlier["survivors"] if s["id"] in known]
        if not ids:
            print("no survivors to run")
            if args.json is not None:
                doc = fold_rerun(earlier, Results(), candidates, equivalent, git_commit())
                _write_json(args.json, doc)
            return 0
    selected = select_mutants(candidates, ids, args.limit)
    if args.list:
        for m in selected:
            print(m.id)
        return 0
    options = Options(
        vectors=args.vectors,
        mode="stateful" if args.stateful else "vectors",
        categories=args.category,
        jobs=args.jobs,
        timeout=args.timeout,
        examples=args.examples,
    )
    started = time.monotonic()
    whole_suite = options.mode == "vectors" and options.categories is None
    executed = executed_lines(args.vectors, modules) if whole_suite else None
    touched = list(dict.fromkeys(m.module for m in selected))
    controls: list[Job] = [(None, module) for module in touched]
    for (_, module), verdict in zip(controls, judge_all(controls, options), strict=True):
        if verdict["status"] != "survived":
            raise SystemExit(f"control of {module} failed, the benchmark is broken: {verdict}")

    def progress(done: int, total: int, job: Job, verdict: dict[str, Any]) -> None:
        m = job[0]
        if verdict["status"] == "survived" and m is not None and m.id not in equivalent:
            print(f"  survived: {m.id}", file=sys.stderr, flush=True)
        if done % 25 == 0 or done == total:
            elapsed = time.monotonic() - started
            print(f"  {done}/{total} mutants ({elapsed:.0f} s)", file=sys.stderr, flush=True)

    verdicts = judge_all([(m, m.module) for m in selected], options, progress)
    results = tally(selected, verdicts, equivalent, executed)
    seconds = time.monotonic() - started
    print(table(results))
    total = results.total
    print(
        f"{total.caught} of {total.caught + total.survived} non-equivalent mutants caught "
        f"({options.mode}, {seconds:.0f} s, {results.timeouts} timeouts)"
    )
    for m_id in results.equivalent_caught:
        print(f"listed as equivalent but caught (remove it): {m_id}")
    if not ids and args.limit is None and args.module is None:
        for m_id in equivalent.stale(m.id for m in candidates):
            print(f"listed as equivalent but no such mutant (remove it): {m_id}")
    if args.json is not None:
        doc = result_document(results, options, selected, seconds, out_of_scope)
        if earlier is not None:
            doc = fold_rerun(earlier, results, candidates, equivalent, git_commit())
        _write_json(args.json, doc)
    return 0


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    write_atomically(path, [text.encode("utf-8")])


if __name__ == "__main__":
    sys.exit(main())
