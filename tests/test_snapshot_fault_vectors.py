"""The snapshot vectors that break one field at a time: every field of every snapshot type has
them, each fault is reported where it was placed, and the documents around them are valid; and
the near misses of the usual shape (identifiers, decode-time rules of validated structs)."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from aqwal.declarations import SNAPSHOT_V8
from aqwal.digest import state_digest
from aqwal.errors import AqwalError
from aqwal.forms import parse_json_objects, to_json_text
from aqwal.json_reader import read_objects
from aqwal.schema import Enum, Field, Opt, Prim, Ref, Struct, build_registry
from aqwal.snapshot import load_snapshot_state
from aqwal_conformance.vectorgen.builders import frame_snapshot, raw_snapshot
from aqwal_conformance.vectorgen.field_faults import (
    fault_base,
    fault_sites,
    faults_of,
    feature_bases,
    field_labels,
    int_bounds,
    is_valid,
    pointer,
    pruned,
    targets,
)
from aqwal_conformance.vectorgen.near_misses import (
    HYPHENS,
    RULE_BREAKERS,
    identifier_near_misses,
)
from aqwal_conformance.vectorgen.struct_shapes import RENAMED
from aqwal_conformance.vectors import load_index

ROOT = Path(__file__).resolve().parents[1]
VECTORS = ROOT / "vectors"
IDS = {e["id"] for e in load_index(VECTORS)["vectors"]}


def _declared_labels() -> list[str]:
    """Every field of every struct and data variant of the snapshot model, read straight from
    the declarations."""
    labels = []
    for d in SNAPSHOT_V8:
        if isinstance(d, Struct):
            labels += [f"{d.name}.{f.name}" for f in d.fields]
        elif isinstance(d, Enum):
            for v in d.variants:
                if v.kind == "newtype":
                    labels.append(f"{d.name}.{v.name}")
                elif v.kind == "struct":
                    labels += [f"{d.name}.{v.name}.{f.name}" for f in v.fields]
    return labels


def test_every_field_of_every_snapshot_type_has_committed_vectors() -> None:
    labels = _declared_labels()
    assert field_labels(SNAPSHOT_V8) == labels
    assert len(labels) > 100
    for label in labels:
        assert any(i.startswith(f"snapshot/field-{label}-") for i in IDS), (
            f"{label} has no field vectors: run aqwal vectors generate"
        )
    base = fault_base()
    for target in targets(SNAPSHOT_V8, base, feature_bases(SNAPSHOT_V8, base)):
        for fault in faults_of(SNAPSHOT_V8, target.wire):
            assert f"snapshot/field-{target.label}-{fault.name}" in IDS


@pytest.mark.parametrize(
    ("wire", "names"),
    [
        (Prim.U8, {"null", "bool", "string", "below-u8", "above-u8"}),
        (Opt(Prim.I32), {"bool", "string", "below-i32", "above-i32"}),
        (Prim.BOOL, {"null", "number"}),
        (Ref("TaskId"), {"null", "number"}),
        (Prim.BYTES, {"null", "string"}),
        (Ref("TaskMetadata"), {"null", "number"}),
        (Opt(Ref("SnapshotLeaseMetadata")), {"number"}),
    ],
)
def test_faults_follow_the_declared_type(wire: Any, names: set[str]) -> None:
    assert {f.name for f in faults_of(SNAPSHOT_V8, wire)} == names


def test_enum_faults() -> None:
    unit_only = {f.name for f in faults_of(SNAPSHOT_V8, Ref("RunState"))}
    assert unit_only == {
        "null",
        "number",
        "unknown-variant",
        "unknown-variant-key",
        "empty-object",
        "two-keys",
        "array",
        "unit-with-value",
    }
    no_unit = {f.name for f in faults_of(SNAPSHOT_V8, Ref("EventFilter"))}
    assert no_unit == (unit_only - {"unit-with-value"}) | {"data-variant-name"}
    by_name = {f.name: f for f in faults_of(SNAPSHOT_V8, Ref("RunPolicy"))}
    assert by_name["unit-with-value"].value == {"Once": 1}
    assert by_name["data-variant-name"].value == "Repeat"  # Cron belongs to a profile
    assert by_name["two-keys"].value == {"Once": None, "Repeat": None}


def test_sequence_faults() -> None:
    depends_on = SNAPSHOT_V8.struct("SnapshotDependencyDeclaration").fields[1].wire
    values = {f.name: f.value for f in faults_of(SNAPSHOT_V8, depends_on)}
    assert values == {
        "null": None,
        "object": {"00000000-0000-4000-8000-0000000003e7": None},
        "empty-object": {},
        "element-number": [5],
    }
    tags = SNAPSHOT_V8.struct("TaskMetadata").fields[0].wire
    tag_faults = {f.name: f.value for f in faults_of(SNAPSHOT_V8, tags)}
    assert tag_faults["object"] == {"x": None}
    # spec: JSN-2 — held as its pairs, an empty object gives no element; a text, its characters
    assert tag_faults["empty-object"] == {} and tag_faults["text"] == "x"
    # no character is found in an array, whether it stands for a text or among texts
    assert tag_faults["element-array"] == [["x"]]
    content_type = SNAPSHOT_V8.struct("TaskPayload").fields[1].wire
    assert {f.name: f.value for f in faults_of(SNAPSHOT_V8, content_type)} == {
        "number": 5,
        "array": ["x"],
    }
    tasks = SNAPSHOT_V8.struct("Snapshot").fields[3].wire
    assert {f.name: f.value for f in faults_of(SNAPSHOT_V8, tasks)} == {"null": None, "object": {}}


def test_int_bounds() -> None:
    assert int_bounds(Prim.U8) == (0, 255)
    assert int_bounds(Prim.U32) == (0, 2**32 - 1)
    assert int_bounds(Prim.U64) == (0, 2**64 - 1)
    assert int_bounds(Prim.I32) == (-(2**31), 2**31 - 1)


def test_each_fault_is_reported_at_the_field_it_breaks() -> None:
    seen = 0
    for target, _, path in fault_sites():
        for fault in faults_of(SNAPSHOT_V8, target.wire):
            vector_id = f"snapshot/field-{target.label}-{fault.name}"
            expected = json.loads((VECTORS / f"{vector_id}.json").read_text("utf-8"))
            where = pointer(path)
            if fault.name in ("element-number", "element-array"):
                where += "/0"  # the element
            elif fault.name == "unit-with-value":
                where += f"/{next(iter(fault.value))}"  # the value under the variant's name
            assert expected["error"] == {"code": fault.error, "offset": None, "path": where}
            seen += 1
    bases = {"snapshot/field-base", "snapshot/field-base-workflow"}
    assert bases <= IDS
    assert seen == sum(1 for i in IDS if i.startswith("snapshot/field-") and i not in bases)


def test_the_documents_around_the_faults_are_valid() -> None:
    base = fault_base()
    assert is_valid(base, None)
    featured = feature_bases(SNAPSHOT_V8, base)
    assert set(featured) == {"workflow"}
    assert not is_valid(featured["workflow"], None)  # Cron is unknown in the default profile
    assert is_valid(featured["workflow"], "workflow")
    small = pruned(SNAPSHOT_V8, base, "subscriptions", None)
    assert small["subscriptions"] == base["subscriptions"] and small["ledger_entries"] == []
    assert list(small) == list(base)  # every key present: a fast reader reads up to the fault
    assert is_valid(small, None) and len(raw_snapshot(small)) < len(raw_snapshot(base))


def test_the_fast_reader_reads_the_documents_around_the_faults() -> None:
    """Each fault is met by the generated fast reader, not only by aqwal.forms after the fast
    reader gave up on something else (which would leave its checks untested)."""
    base = fault_base()
    for key in base:
        text = to_json_text(pruned(SNAPSHOT_V8, base, key, None)).encode()
        parsed = parse_json_objects(text)
        assert parsed is not None
        assert read_objects("Snapshot", parsed[0])[1] == parsed[1]


def test_a_field_added_to_the_declarations_gets_its_vectors() -> None:
    tenant = SNAPSHOT_V8.struct("SnapshotTenant")
    grown = dataclasses.replace(tenant, fields=(*tenant.fields, Field("quota", Prim.U32)))
    reg = build_registry(
        "snapshot", 8, "Snapshot", [grown if d.name == tenant.name else d for d in SNAPSHOT_V8]
    )
    base: dict[str, Any] = copy.deepcopy(fault_base())
    base["tenants"][0]["quota"] = 7
    found = {t.label: t for t in targets(reg, base, feature_bases(reg, base))}
    assert "SnapshotTenant.quota" in field_labels(reg)
    quota = found["SnapshotTenant.quota"]
    assert quota.path == ("tenants", 0, "quota")
    assert "above-u32" in {f.name for f in faults_of(reg, quota.wire)}


def test_a_type_the_base_lacks_is_named() -> None:
    base = fault_base()
    base["ledger_entries"] = []
    with pytest.raises(AssertionError, match="holds no SnapshotLedgerEntry"):
        list(targets(SNAPSHOT_V8, base, feature_bases(SNAPSHOT_V8, base)))


def test_identifier_near_misses_differ_from_the_usual_shape_only_where_they_say() -> None:
    text = "00000001-0000-4000-8000-000000000002"
    misses = {name: value for name, _, value in identifier_near_misses(text)}
    for at in HYPHENS:
        for moved in (at - 1, at + 1):
            value = misses[f"uuid-hyphen-{at}-at-{moved}"]
            assert len(value) == 36 and value[at] != "-" and value[moved] == "-"
            # without its hyphen positions checked, the text is 16 bytes of hexadecimal
            assert len(bytes.fromhex(value.replace("-", ""))) == 16
    spaced = misses["uuid-spaces-for-digits"]
    assert len(spaced) == 36 and [spaced[i] for i in HYPHENS] == ["-"] * 4
    assert len(bytes.fromhex(spaced.replace("-", ""))) == 15
    assert misses["uuid-trailing-space"] == text + " "
    assert "".join(misses["uuid-as-array"]) == text
    for name in misses:
        assert f"snapshot/{name}" in IDS


def test_every_validated_snapshot_struct_has_a_rule_vector() -> None:
    validated = [d for d in SNAPSHOT_V8 if isinstance(d, Struct) and d.validator]
    assert len(validated) >= 5
    for d in validated:
        assert d.validator in RULE_BREAKERS, f"{d.validator}: add the rule it checks first"
        code = RULE_BREAKERS[d.validator][2]
        vector_id = f"snapshot/rule-{d.name}-{code.replace('_', '-')}"
        assert vector_id in IDS
        expected = json.loads((VECTORS / f"{vector_id}.json").read_text("utf-8"))
        assert expected["error"]["code"] == code


def test_each_fault_is_the_only_value_of_its_field_in_its_document() -> None:
    """Every array on the way to a fault holds one element: a reader whose check of that field
    were inverted, giving up at every valid value, has no valid value of it to give up at."""
    for target, doc, path in fault_sites():
        for i, key in enumerate(path):
            if isinstance(key, int):
                container: Any = doc
                for step in path[:i]:
                    container = container[step]
                assert len(container) == 1, (target.label, pointer(path))


def test_every_struct_has_its_shape_vectors_and_each_changes_the_outcome() -> None:
    # spec: JSN-10, JSN-13 — for every struct and struct variant of the snapshot model, the
    # object as an array of pairs and the object with one key renamed
    owners = {
        d.name if v is None else f"{d.name}.{v}"
        for d in SNAPSHOT_V8
        for v in (
            [None]
            if isinstance(d, Struct)
            else [x.name for x in d.variants if x.kind == "struct"]
            if isinstance(d, Enum)
            else []
        )
    }
    ids = {e["id"] for e in load_index(VECTORS)["vectors"]}
    wanted = {f"snapshot/shape-{o}-{s}" for o in owners for s in ("as-pairs", "key-renamed")}
    assert owners and not wanted - ids, sorted(wanted - ids)
    # the renamed key is one whose renaming changes what the reference reads
    for entry in load_index(VECTORS)["vectors"]:
        if not entry["id"].startswith("snapshot/shape-") or "key-renamed" not in entry["id"]:
            continue
        payload = (VECTORS / entry["files"]["input"]).read_bytes()[12:]
        usual = payload.replace(RENAMED.encode() + b'"', b'"')
        assert usual != payload
        workflow = entry.get("options", {}).get("profile") == "workflow"
        assert _read(frame_snapshot(usual), workflow) != _read(frame_snapshot(payload), workflow)


def _read(snapshot: bytes, workflow: bool) -> str:
    try:
        return state_digest(load_snapshot_state(snapshot, workflow=workflow))
    except AqwalError as exc:
        return exc.code
