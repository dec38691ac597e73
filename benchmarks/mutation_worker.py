"""One worker of the mutation benchmark: plants mutants in a private copy of the package and
runs each one as the implementation under test.

Started by ``mutation.py`` as ``python mutation_worker.py ROOT VECTORS SETTINGS-JSON``; reads
one job per line on stdin (``{"module", "index"}``; ``index`` -1 is the control: the module
parsed and unparsed, no fault) and answers one verdict per line on stdout::

    {"status": "caught" | "survived" | "invalid", "reason": str, "killed_by": str | None,
     "seconds": float}

``ROOT`` is an empty private directory (made by the parent, removed by it). The worker copies
the pristine ``aqwal`` package into it; for a job it rewrites one module there, starts the IUT
(``python -m aqwal_conformance.testee_server``) with ``ROOT`` first on its ``PYTHONPATH``, and
restores the module afterwards. The worker itself and the runner it drives import the pristine
package. A caught mutant stops at its first failing case; the case that caught it moves to the
front of this worker's order, so later mutants of the same kind are caught sooner.
"""

from __future__ import annotations

import compileall
import contextlib
import json
import os
import shutil
import signal
import sys
import time
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any, TextIO

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mutants import ModuleMutator

IUT_ARGV = [sys.executable, "-m", "aqwal_conformance.testee_server"]


def pristine_package() -> Path:
    """The directory of the package the benchmark mutates (the one this Python imports)."""
    spec = find_spec("aqwal")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the aqwal package is not importable")
    return Path(next(iter(spec.submodule_search_locations)))


@dataclass
class Settings:
    mode: str  # "vectors" | "stateful"
    categories: list[str] | None
    request_timeout: float
    budget: float
    examples: int


class Sandbox:
    """A private copy of the package in which one module at a time is replaced."""

    def __init__(self, root: Path) -> None:
        self.package = root / "aqwal"
        shutil.copytree(pristine_package(), self.package, ignore=shutil.ignore_patterns("*.pyc"))
        compileall.compile_dir(self.package, quiet=1)
        self._mutators: dict[str, ModuleMutator] = {}

    def mutator(self, module: str) -> ModuleMutator:
        if module not in self._mutators:
            source = (self.package / f"{module}.py").read_text(encoding="utf-8")
            self._mutators[module] = ModuleMutator(source)
        return self._mutators[module]

    @contextlib.contextmanager
    def planted(self, module: str, source: str) -> Any:
        """``module`` replaced by ``source`` for the duration of the block."""
        path = self.package / f"{module}.py"
        caches = list((self.package / "__pycache__").glob(f"{module}.*.pyc"))
        saved = [(p, p.read_bytes()) for p in [path, *caches]]
        stat = path.stat()
        for cache in caches:
            cache.unlink()
        path.write_text(source, encoding="utf-8")
        try:
            yield
        finally:
            for p, data in saved:
                p.write_bytes(data)
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the caches stay valid


class VectorSuite:
    """The vectors, loaded once, run against one IUT after another with the pristine runner."""

    def __init__(self, root: Path, categories: list[str] | None) -> None:
        from aqwal_conformance.vectorset import open_vector_set

        vector_set = open_vector_set(root)
        self.cases = [
            vector_set.load(e)
            for e in vector_set.entries
            if categories is None or e["category"] in categories
        ]

    def verdict(self, settings: Settings) -> dict[str, Any]:
        from aqwal_conformance.runner import ProcessIUT, _hello, _run_case

        deadline = time.monotonic() + settings.budget
        iut = ProcessIUT(IUT_ARGV, settings.request_timeout)
        try:
            try:
                supports = _hello(iut)
            except RuntimeError as exc:
                return _caught(f"hello: {exc}")
            for position, (vector, expected) in enumerate(self.cases):
                if time.monotonic() > deadline:
                    return _caught(f"timeout: over {settings.budget:g} s")
                # the reference answers every case exactly: a mutant must too (CP-12)
                result = _run_case(iut, vector, expected, supports, "exact", ())
                if result.status != "passed":
                    # move the killing case to the front for the next mutant
                    self.cases.insert(0, self.cases.pop(position))
                    return _caught(f"{result.status}: {result.detail}", vector.id)
        finally:
            iut.close()
        return {"status": "survived", "reason": "", "killed_by": None}


def stateful_verdict(settings: Settings) -> dict[str, Any]:
    """The stateful machine in differential mode against the IUT (``aqwal conform
    --stateful``), derandomized, without shrinking: finding a difference is enough."""
    from aqwal_conformance.differential import differential_case
    from aqwal_conformance.runner import ProcessIUT

    iut = ProcessIUT(IUT_ARGV, settings.request_timeout)
    try:
        result = differential_case(
            iut, examples=settings.examples, timeout=settings.request_timeout
        )
    except Exception as exc:  # any failure of the run is a difference found
        return _caught(f"{type(exc).__name__}: {exc}")
    finally:
        iut.close()
    if result.status != "passed":
        return _caught(f"{result.status}: {result.detail}", result.id)
    return {"status": "survived", "reason": "", "killed_by": None}


def _caught(reason: str, killed_by: str | None = None) -> dict[str, Any]:
    return {"status": "caught", "reason": reason.splitlines()[0][:300], "killed_by": killed_by}


def _load_stateful_profile() -> None:
    from hypothesis import HealthCheck, Phase, settings

    settings.register_profile(
        "mutation",
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    settings.load_profile("mutation")


def serve(root: Path, vectors: Path, settings: Settings, jobs: TextIO, out: TextIO) -> None:
    """Answer jobs until the end of input."""
    sandbox = Sandbox(root)
    os.chdir(root)  # the IUT's sys.path[0] is its working directory
    inherited = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(root) + (os.pathsep + inherited if inherited else "")
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    suite = VectorSuite(vectors, settings.categories) if settings.mode == "vectors" else None
    if suite is None:
        _load_stateful_profile()
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in jobs:
        job = json.loads(line)
        started = time.monotonic()
        mutator = sandbox.mutator(job["module"])
        index = int(job["index"])
        source = mutator.pristine() if index < 0 else mutator.source_with(index)
        verdict: dict[str, Any]
        try:
            compile(source, job["module"], "exec")
        except SyntaxError as exc:
            verdict = {"status": "invalid", "reason": f"does not compile: {exc}", "killed_by": None}
        else:
            with sandbox.planted(job["module"], source):
                verdict = suite.verdict(settings) if suite else stateful_verdict(settings)
        verdict["seconds"] = round(time.monotonic() - started, 3)
        out.write(json.dumps(verdict) + "\n")
        out.flush()


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(1)  # unwinds: the IUT of the current job is closed on the way out


def main(argv: list[str]) -> int:
    root, vectors, settings_json = argv
    signal.signal(signal.SIGTERM, _stop)
    out = sys.stdout
    sys.stdout = sys.stderr  # what the machine prints must not mix with the verdicts
    serve(Path(root), Path(vectors), Settings(**json.loads(settings_json)), sys.stdin, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
