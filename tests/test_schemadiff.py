"""aqwal schema diff: v4 -> v5 compatible; every kind of breaking edit found, with its path."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aqwal.cli import main
from aqwal.declarations import SNAPSHOT_V8, WAL_V4, WAL_V5
from aqwal.registry import export, load
from aqwal.schemadiff import KINDS, Change, diff

ROOT = Path(__file__).resolve().parents[1]
V5 = export(WAL_V5)
SNAP = export(SNAPSHOT_V8)

Edit = Callable[[dict[str, Any]], object]


def variants(doc: dict[str, Any], enum: str = "WalEventType") -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = doc["types"][enum]["variants"]
    return result


def fields(doc: dict[str, Any], struct: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = doc["types"][struct]["fields"]
    return result


def variant_fields(doc: dict[str, Any], name: str) -> list[dict[str, Any]]:
    v = next(v for v in variants(doc) if v["name"] == name)
    result: list[dict[str, Any]] = v["fields"]
    return result


def reindex(doc: dict[str, Any], enum: str = "WalEventType") -> None:
    for i, v in enumerate(variants(doc, enum)):
        v["index"] = i


def apply(base: dict[str, Any], edit: Edit) -> list[Change]:
    doc = copy.deepcopy(base)
    edit(doc)
    return diff(load(base), load(doc))


def test_v4_to_v5_is_compatible() -> None:
    changes = diff(WAL_V4, WAL_V5)
    assert len(changes) == 8
    assert {c.kind for c in changes} == {"variant appended"}
    assert all(c.severity == "compatible" and c.rule == "VER-2" for c in changes)


def test_identical_registries_report_nothing() -> None:
    assert diff(load(V5), load(copy.deepcopy(V5))) == []
    assert diff(SNAPSHOT_V8, SNAPSHOT_V8) == []


def _insert_variant(d: dict[str, Any]) -> None:
    variants(d).insert(3, {"index": 3, "name": "RunPaused", "kind": "struct", "fields": []})
    reindex(d)


def _remove_variant(d: dict[str, Any]) -> None:
    del variants(d)[5]
    reindex(d)


def _swap_variants(d: dict[str, Any]) -> None:
    vs = variants(d)
    vs[11], vs[12] = vs[12], vs[11]
    reindex(d)


def _rename_and_move(d: dict[str, Any]) -> None:
    vs = variants(d)
    moved = vs.pop(21)
    moved["name"] = "SubscriptionFired"
    vs.append(moved)
    reindex(d)


def _set_type(struct: str, field: str, wire: Any) -> Edit:
    def edit(d: dict[str, Any]) -> None:
        next(f for f in fields(d, struct) if f["name"] == field)["type"] = wire

    return edit


WIRE_EDITS: list[tuple[str, Edit, str, str, str]] = [
    # (id, edit, expected kind, rule, path)
    (
        "insert-variant",
        _insert_variant,
        "variant inserted",
        "VER-3",
        "WalEventType > RunPaused",
    ),
    ("remove-variant", _remove_variant, "variant removed", "VER-3", "WalEventType > TaskCanceled"),
    ("reorder-variants", _swap_variants, "variant moved", "VER-3", "WalEventType > EnginePaused"),
    (
        "rename-and-move",
        _rename_and_move,
        "variant removed",
        "VER-3",
        "WalEventType > SubscriptionTriggered",
    ),
    (
        "add-field",
        lambda d: variant_fields(d, "TaskCanceled").insert(
            1, {"name": "reason", "type": {"option": "string"}}
        ),
        "field added",
        "VER-5",
        "WalEventType > TaskCanceled > reason",
    ),
    (
        "append-field",
        lambda d: fields(d, "TaskMetadata").append({"name": "owner", "type": "string"}),
        "field added",
        "VER-5",
        "TaskMetadata > owner",
    ),
    (
        "remove-field",
        lambda d: fields(d, "TaskMetadata").pop(2),
        "field removed",
        "VER-5",
        "TaskMetadata > description",
    ),
    (
        "reorder-fields",
        lambda d: fields(d, "TaskPayload").reverse(),
        "fields reordered",
        "VER-5",
        "TaskPayload",
    ),
    (
        "retype-field",
        _set_type("TaskMetadata", "priority", "u32"),
        "field retyped",
        "VER-6",
        "TaskMetadata > priority",
    ),
    (
        "narrow-integer",
        _set_type("RunInstance", "created_at", "u32"),
        "field retyped",
        "VER-6",
        "RunInstance > created_at",
    ),
    (
        "signedness",
        _set_type("RunInstance", "attempt_count", "i32"),
        "field retyped",
        "VER-6",
        "RunInstance > attempt_count",
    ),
    (
        "add-option",
        _set_type("TaskMetadata", "priority", {"option": "i32"}),
        "option added",
        "VER-6",
        "TaskMetadata > priority",
    ),
    (
        "remove-option",
        _set_type("TaskMetadata", "description", "string"),
        "option removed",
        "VER-6",
        "TaskMetadata > description",
    ),
    (
        "newtype",
        lambda d: d["types"]["TaskId"].__setitem__("inner", "string"),
        "newtype changed",
        "VER-6",
        "TaskId",
    ),
    (
        "variant-kind",
        lambda d: variants(d, "Role")[3].__setitem__("kind", "struct"),
        "variant kind changed",
        "VER-3",
        "Role > Custom",
    ),
]


@pytest.mark.parametrize(
    ("edit", "kind", "rule", "path"), [e[1:] for e in WIRE_EDITS], ids=[e[0] for e in WIRE_EDITS]
)
def test_breaking_wire_edits(edit: Edit, kind: str, rule: str, path: str) -> None:
    changes = apply(V5, edit)
    hit = [c for c in changes if c.kind == kind and c.path == path]
    assert hit, [(c.kind, c.path) for c in changes]
    assert hit[0].rule == rule and hit[0].severity == "breaking" and hit[0].scope == "wal"


def test_widening_u32_to_u64_keeps_logs_readable() -> None:
    changes = apply(V5, _set_type("TaskConstraints", "max_attempts", "u64"))
    assert [(c.kind, c.severity) for c in changes] == [("integer widened", "compatible")]


def test_field_renamed_in_place_is_wire_compatible() -> None:
    def edit(d: dict[str, Any]) -> None:
        fields(d, "TaskMetadata")[0]["name"] = "labels"

    changes = apply(V5, edit)
    assert [(c.kind, c.severity, c.path) for c in changes] == [
        ("field renamed", "compatible", "TaskMetadata > tags")
    ]


SNAPSHOT_EDITS: list[tuple[str, Edit, str, str]] = [
    (
        "required-field",
        lambda d: fields(d, "SnapshotTenant").append({"name": "region", "type": "string"}),
        "json field added without default",
        "SnapshotTenant > region",
    ),
    (
        "removed-field",
        lambda d: fields(d, "SnapshotTenant").pop(1),
        "json field removed",
        "SnapshotTenant > name",
    ),
    (
        "renamed-field",
        lambda d: fields(d, "SnapshotTenant")[1].__setitem__("name", "title"),
        "json field renamed",
        "SnapshotTenant > name",
    ),
    (
        "renamed-variant",
        lambda d: variants(d, "RunState")[4].__setitem__("name", "Backoff"),
        "json variant renamed",
        "RunState > RetryWait",
    ),
    (
        "default-dropped",
        lambda d: [fields(d, "Snapshot")[6].pop(k) for k in ("serde_default", "default")],
        "json default removed",
        "Snapshot > dependency_declarations",
    ),
]


@pytest.mark.parametrize(
    ("edit", "kind", "path"), [e[1:] for e in SNAPSHOT_EDITS], ids=[e[0] for e in SNAPSHOT_EDITS]
)
def test_breaking_snapshot_edits(edit: Edit, kind: str, path: str) -> None:
    changes = apply(SNAP, edit)
    hit = [c for c in changes if c.kind == kind and c.path == path]
    assert hit, [(c.kind, c.path) for c in changes]
    assert hit[0].severity == "breaking" and hit[0].scope == "snapshot"


def test_snapshot_field_with_default_is_compatible() -> None:
    changes = apply(
        SNAP,
        lambda d: fields(d, "Snapshot").append(
            {"name": "quotas", "type": {"seq": "string"}, "serde_default": True}
        ),
    )
    assert [(c.kind, c.severity) for c in changes] == [
        ("json field added with default", "compatible")
    ]


def test_every_kind_has_a_rule() -> None:
    assert all(rule.startswith("VER-") for _, rule in KINDS.values())


def test_cli_exit_statuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    v4, v5 = ROOT / "spec/registry/wal-v4.json", ROOT / "spec/registry/wal-v5.json"
    assert main(["schema", "diff", str(v4), str(v5)]) == 0
    assert "needs a version bump" in capsys.readouterr().out
    broken = copy.deepcopy(V5)
    _swap_variants(broken)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    assert main(["schema", "diff", str(v5), str(path), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["compatible"] is False and doc["version_bumps"]
    assert main(["schema", "diff", str(path), "--against-code"]) == 1
    capsys.readouterr()
    assert main(["schema", "diff", str(v5), "--against-code"]) == 0
    assert main(["schema", "diff", str(v5)]) == 2
    (tmp_path / "junk.json").write_text("{}", encoding="utf-8")
    assert main(["schema", "diff", str(tmp_path / "junk.json"), str(v5)]) == 2


def test_tuple_variant_payload_has_no_name_to_change() -> None:
    # The one field of a tuple variant is named only by the overlay (VER-20): no encoding
    # writes that name, so renaming it is no change for the WAL or for snapshots.
    def edit(d: dict[str, Any]) -> None:
        variants(d, "RunPolicy")[1]["fields"][0]["name"] = "0"

    assert apply(V5, edit) == []
    assert apply(SNAP, edit) == []


def test_variant_kind_change_breaks_snapshots() -> None:
    def edit(d: dict[str, Any]) -> None:
        v = variants(d, "RunState")[4]
        v["kind"] = "newtype"
        v["fields"] = [{"name": "until", "type": "u64"}]

    changes = apply(SNAP, edit)
    assert [(c.kind, c.severity, c.scope, c.path) for c in changes] == [
        ("json variant kind changed", "breaking", "snapshot", "RunState > RetryWait")
    ]
