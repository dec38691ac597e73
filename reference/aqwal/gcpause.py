"""Pausing Python's cyclic garbage collector while a large state is built.

Replaying a log or loading a snapshot creates hundreds of thousands of long-lived objects; each
generation-2 collection walks all of them again, so a build's collector time grows with the
square of its size. None of these objects form reference cycles, so nothing is lost by
collecting once, after the build, instead of during it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run the block with the cyclic collector off; restore its previous state afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
