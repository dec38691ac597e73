"""Pausing Python's cyclic garbage collector while a large state is built.

Replaying a log or loading a snapshot creates hundreds of thousands of long-lived objects; each
generation-2 collection walks all of them again, so a build's collector time grows with the
square of its size. None of these objects form reference cycles, so nothing is lost by not
collecting during the build.

Nor after it: once the collector is back on, the first young-generation collection would walk
every object the build made (a fifth of a replay's time) only to find them all alive. When the
pause ends, the young objects are instead moved to the oldest generation as they are, with the
collector's own ``freeze`` / ``unfreeze`` pair (two list splices); they are walked again only
by a full collection, which would have walked them anyway. (Young objects made elsewhere in the
process move with them: cyclic garbage among them waits for that full collection. Nothing is
moved while anything else keeps objects frozen.)
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run the block with the cyclic collector off; restore its previous state afterwards,
    the objects it made already in the oldest generation."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            promote_young_objects()
            gc.enable()


def promote_young_objects() -> None:
    """Move every object of the young generations to the oldest one without a collection
    (unless some objects are frozen: unfreezing would release them too)."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
