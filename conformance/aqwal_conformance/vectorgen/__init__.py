"""Generation of the golden vectors: deterministic, from the declarations and the scenarios.

``generate()`` returns every vector with its expected outcome (computed by the reference and
checked against the case's declared intent). Nothing depends on time, machine or hash seeds.
Each category has its own module; :mod:`.builders` holds what they share.
"""

from __future__ import annotations

from aqwal.declarations import WAL_V5
from aqwal.schema import Opt, Ref, Seq
from aqwal_conformance.vectorgen.cbor_encodings import cbor_encoding_vectors
from aqwal_conformance.vectorgen.cbor_forms import cbor_form_vectors
from aqwal_conformance.vectorgen.codec import codec_vectors
from aqwal_conformance.vectorgen.compat import compat_vectors
from aqwal_conformance.vectorgen.decoder_edges import decoder_edge_vectors
from aqwal_conformance.vectorgen.effects import effect_vectors
from aqwal_conformance.vectorgen.encode import encode_vectors
from aqwal_conformance.vectorgen.field_faults import field_fault_vectors
from aqwal_conformance.vectorgen.frame import frame_vectors
from aqwal_conformance.vectorgen.json_forms import json_form_vectors
from aqwal_conformance.vectorgen.near_misses import near_miss_vectors
from aqwal_conformance.vectorgen.replay import replay_vectors
from aqwal_conformance.vectorgen.requests import request_vectors
from aqwal_conformance.vectorgen.restore import restore_vectors
from aqwal_conformance.vectorgen.snapshot import snapshot_vectors
from aqwal_conformance.vectorgen.struct_shapes import struct_shape_vectors
from aqwal_conformance.vectorgen.varints import varint_vectors
from aqwal_conformance.vectorgen.wal import wal_vectors
from aqwal_conformance.vectorgen.wal_boundaries import wal_boundary_vectors
from aqwal_conformance.vectorgen.wal_resync import resync_long_vectors
from aqwal_conformance.vectorgen.wal_resync_order import resync_order_vectors
from aqwal_conformance.vectorgen.write import write_vectors
from aqwal_conformance.vectors import Vector, check_intent, evaluate


def _refs(w: object) -> list[str]:
    """Names of the declared types a wire type reaches (through Option and Vec)."""
    while isinstance(w, Opt | Seq):
        w = w.inner
    return WAL_V5.reachable(w.name) if isinstance(w, Ref) else []


_TYPE_CLAUSES: dict[str, tuple[str, ...]] = {
    v.name: tuple(sorted({WAL_V5[n].clause for f in v.fields for n in _refs(f.wire)}))
    for v in WAL_V5.enum("WalEventType").variants
}


def _with_common_clauses(v: Vector) -> tuple[str, ...]:
    """Clauses every vector of a kind exercises, added to the case's own."""
    extra: list[str] = ["CBR-1"]  # every expected document is deterministic CBOR
    if v.result != "valid":
        extra += ["ERR-1", "ERR-2", "ERR-3"]
        if v.category in ("codec", "frame", "snapshot"):
            extra.append("ERR-4")  # offsets are the exact code's
    if v.result == "acceptable":
        extra.append("STR-1")
    if v.category in ("codec", "frame", "compat", "encode"):
        variant = v.stem.split("-")[0]
        extra += _TYPE_CLAUSES.get(variant, ())
        if variant == "BudgetExhausted":
            extra.append("REG-3")
        if variant == "RunCanceled":
            extra.append("REG-4")
    if v.id == "replay/lenient-unknown-keys":
        extra += ["REG-3", "RED-8", "EVT-13"]
    if v.id.startswith("replay/workload-"):
        extra += ["RED-11", "RED-12", "RED-9", "RED-10"]
    if v.category == "snapshot" and "wal" in v.extra:
        extra.append("SNP-1")
    return tuple(dict.fromkeys((*v.clauses, *extra)))


def generate() -> list[Vector]:
    """Every vector, with its expected outcome computed by the reference and checked."""
    vectors = [
        *codec_vectors(),
        *frame_vectors(),
        *encode_vectors(),
        *varint_vectors(),
        *cbor_form_vectors(),
        *cbor_encoding_vectors(),
        *decoder_edge_vectors(),
        *wal_vectors(),
        *wal_boundary_vectors(),
        *resync_long_vectors(),
        *resync_order_vectors(),
        *replay_vectors(),
        *effect_vectors(),
        *snapshot_vectors(),
        *restore_vectors(),
        *json_form_vectors(),
        *field_fault_vectors(),
        *near_miss_vectors(),
        *struct_shape_vectors(),
        *compat_vectors(),
        *write_vectors(),
        *request_vectors(),
    ]
    seen: set[str] = set()
    for v in vectors:
        v.clauses = _with_common_clauses(v)
        if v.id in seen:
            raise AssertionError(f"duplicate vector id {v.id}")
        seen.add(v.id)
        v.expected = evaluate(v)
        check_intent(v, v.expected)
    return vectors
