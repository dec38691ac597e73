"""One bytecode cache for the Python processes the tests start.

The tests start over a hundred Python processes: implementations under test spoken to over the
conformance protocol, ``python -m aqwal`` and the like. Each imports aqwal. When the environment
sets ``PYTHONDONTWRITEBYTECODE``, every one of them compiles aqwal's modules from source again,
about 0.2 s of CPU time a start (0.3 s instead of 0.1 s). The processes the tests start are
instead given a private temporary directory to keep bytecode in (``PYTHONPYCACHEPREFIX``), made
by the first process of the session and removed when the session ends, so the source tree stays
free of bytecode as the environment asked. Without ``PYTHONDONTWRITEBYTECODE`` nothing changes.

The session's own processes (pytest, and the pytest-xdist workers it starts) keep the
environment as it is: a process with a cache prefix looks for bytecode only there, so a worker
started with one would compile pytest, Hypothesis and the standard library from source instead
of reading the bytecode installed with them, and the directory would fill with a thousand files.
Only the processes the tests start get the prefix (:func:`child_environment`).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, MutableMapping
from pathlib import Path

#: Names the session's cache directory for the pytest-xdist workers, which inherit it.
CACHE_VARIABLE = "AQWAL_TESTS_BYTECODE_CACHE"


def make_bytecode_cache(environ: MutableMapping[str, str]) -> Path | None:
    """When ``environ`` forbids writing bytecode and names no cache yet, make a new private
    directory, name it in ``environ`` under :data:`CACHE_VARIABLE` and return it
    (:func:`remove_bytecode_cache` removes it). The environment's own switches are unchanged."""
    if not environ.get("PYTHONDONTWRITEBYTECODE") or environ.get(CACHE_VARIABLE):
        return None
    cache = Path(tempfile.mkdtemp(prefix="aqwal-tests-bytecode-"))
    environ[CACHE_VARIABLE] = str(cache)
    return cache


def child_environment(environ: Mapping[str, str]) -> dict[str, str | None]:
    """The changes (None: remove) that let the processes started with ``environ`` keep their
    bytecode in the session's cache; none when there is no cache."""
    cache = environ.get(CACHE_VARIABLE)
    if not cache or not environ.get("PYTHONDONTWRITEBYTECODE"):
        return {}
    return {"PYTHONDONTWRITEBYTECODE": None, "PYTHONPYCACHEPREFIX": cache}


def remove_bytecode_cache(cache: Path) -> None:
    shutil.rmtree(cache, ignore_errors=True)
