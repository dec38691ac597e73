"""One bytecode cache for the Python processes a test session starts.

The suite starts over a hundred Python processes: implementations under test spoken to over the
conformance protocol, ``python -m aqwal``, the pytest-xdist workers. Each imports aqwal. When
the environment sets ``PYTHONDONTWRITEBYTECODE``, every one of them compiles aqwal's modules
from source again, about 0.2 s of CPU time a start (0.3 s instead of 0.1 s). The session
instead gives them a private temporary directory to keep bytecode in (``PYTHONPYCACHEPREFIX``)
and removes it when the session ends, so the source tree stays free of bytecode as the
environment asked. Without ``PYTHONDONTWRITEBYTECODE`` nothing changes.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import MutableMapping
from pathlib import Path


def share_bytecode_cache(environ: MutableMapping[str, str]) -> Path | None:
    """When ``environ`` forbids writing bytecode, point the processes started with it at a new
    private cache directory instead (returned; :func:`remove_bytecode_cache` removes it)."""
    if not environ.get("PYTHONDONTWRITEBYTECODE"):
        return None
    cache = Path(tempfile.mkdtemp(prefix="aqwal-tests-bytecode-"))
    del environ["PYTHONDONTWRITEBYTECODE"]
    environ["PYTHONPYCACHEPREFIX"] = str(cache)
    return cache


def remove_bytecode_cache(cache: Path) -> None:
    shutil.rmtree(cache, ignore_errors=True)
