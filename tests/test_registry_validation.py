"""Inconsistent and hostile registry documents are refused with one line and exit 2
(spec: VER-13, VER-14); a structural fuzz of the shipped registries never gets further."""

from __future__ import annotations

import copy
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aqwal.cli import main
from aqwal.errors import AqwalError
from aqwal.registry import parse
from aqwal.schemadiff import diff

ROOT = Path(__file__).resolve().parents[1]
V5_PATH = ROOT / "spec/registry/wal-v5.json"
SNAP_PATH = ROOT / "spec/registry/snapshot-v8.json"
V5 = json.loads(V5_PATH.read_text())
SNAP = json.loads(SNAP_PATH.read_text())

Edit = Callable[[dict[str, Any]], object]


def event_variants(doc: dict[str, Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = doc["types"]["WalEventType"]["variants"]
    return result


def _swap_indexes(d: dict[str, Any]) -> None:
    vs = event_variants(d)
    vs[5]["index"], vs[6]["index"] = 6, 5


def _self_newtype(d: dict[str, Any]) -> None:
    d["types"]["TaskId"]["inner"] = {"ref": "TaskId"}


def _newtype_loop(d: dict[str, Any]) -> None:
    d["types"]["TaskId"]["inner"] = {"ref": "RunId"}
    d["types"]["RunId"]["inner"] = {"ref": "TaskId"}


def _deep_option(d: dict[str, Any]) -> None:
    wire: Any = "u64"
    for _ in range(50):
        wire = {"option": wire}
    d["types"]["TaskMetadata"]["fields"][1]["type"] = wire


# (id, base document, edit, error code, text the message must contain)
BAD: list[tuple[str, dict[str, Any], Edit, str, str]] = [
    ("indexes-swapped", V5, _swap_indexes, "registry_invalid", "index 6 is not its position 5"),
    ("self-newtype", SNAP, _self_newtype, "registry_cycle", "TaskId -> TaskId"),
    ("newtype-loop", SNAP, _newtype_loop, "registry_cycle", "-> RunId -> TaskId"),
    (
        "fields-string",
        V5,
        lambda d: d["types"]["TaskMetadata"].__setitem__("fields", "tags"),
        "registry_invalid",
        "types.TaskMetadata: fields must be an array, not a string",
    ),
    (
        "fields-null",
        V5,
        lambda d: d["types"]["TaskMetadata"].__setitem__("fields", None),
        "registry_invalid",
        "fields must be an array, not null",
    ),
    (
        "variants-object",
        V5,
        lambda d: d["types"]["RunState"].__setitem__("variants", {"a": 1}),
        "registry_invalid",
        "types.RunState: variants must be an array, not an object",
    ),
    (
        "variant-fields-null",
        V5,
        lambda d: event_variants(d)[0].__setitem__("fields", None),
        "registry_invalid",
        "variants[0] (TaskCreated): fields must be an array, not null",
    ),
    (
        "unknown-kind",
        V5,
        lambda d: d["types"]["RunState"].__setitem__("kind", "union"),
        "registry_invalid",
        "types.RunState: unknown kind",
    ),
    (
        "unknown-member",
        V5,
        lambda d: d["types"]["RunState"].__setitem__("variant", []),
        "registry_invalid",
        "unknown member",
    ),
    (
        "dangling-ref",
        V5,
        lambda d: d["types"]["WalEvent"]["fields"][1].__setitem__("type", {"ref": "Nope"}),
        "registry_invalid",
        'types.WalEvent.event: refers to "Nope", no such type',
    ),
    (
        "duplicate-variant",
        V5,
        lambda d: event_variants(d)[1].__setitem__("name", "TaskCreated"),
        "registry_invalid",
        "a second variant of that name",
    ),
    (
        "duplicate-field",
        V5,
        lambda d: d["types"]["TaskMetadata"]["fields"][1].__setitem__("name", "tags"),
        "registry_invalid",
        "a second field named",
    ),
    (
        "index-not-integer",
        V5,
        lambda d: event_variants(d)[0].__setitem__("index", True),
        "registry_invalid",
        "index must be an integer, not a boolean",
    ),
    ("deep-wire-type", V5, _deep_option, "registry_invalid", "nested deeper than 8"),
    (
        "missing-root",
        V5,
        lambda d: d.__setitem__("root", "Nope"),
        "registry_invalid",
        'root: "Nope" is not among the types',
    ),
    (
        "newtype-variant-two-fields",
        V5,
        lambda d: d["types"]["Role"]["variants"][3]["fields"].append({"name": "x", "type": "u8"}),
        "registry_invalid",
        "a newtype variant has exactly one field",
    ),
]


def bad_document(base: dict[str, Any], edit: Edit) -> dict[str, Any]:
    doc = copy.deepcopy(base)
    edit(doc)
    return doc


@pytest.mark.parametrize(
    ("base", "edit", "code", "text"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_inconsistent_registry_refused_everywhere(
    base: dict[str, Any],
    edit: Edit,
    code: str,
    text: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad_document(base, edit)))
    with pytest.raises(AqwalError) as info:
        parse(path.read_bytes(), "bad.json")
    assert info.value.code == code and text in str(info.value), str(info.value)
    good = V5_PATH if base is V5 else SNAP_PATH
    registry = "wal-v5" if base is V5 else "snapshot-v8"
    started = time.monotonic()
    for argv in (
        ["schema", "diff", str(good), str(path)],
        ["schema", "diff", str(path), str(good), "--format", "markdown"],
        ["schema", "diff", str(path), "--against-code"],
        ["schema", "export", "--registry", registry, "--check", str(path)],
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith(f"aqwal: {code} [") and err.count("\n") == 1, err
        assert text in err
    assert time.monotonic() - started < 10


def test_json_nested_deeply_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"types": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert main(["schema", "diff", str(path), str(V5_PATH)]) == 2
    err = capsys.readouterr().err
    assert "registry_invalid" in err and "nested too deeply" in err and err.count("\n") == 1


def test_duplicate_type_names_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = V5_PATH.read_text()
    dup = text.replace(
        '"types": {', '"types": {\n    "RunId": {"kind": "newtype", "inner": "u8"},', 1
    )
    path = tmp_path / "dup.json"
    path.write_text(dup)
    assert main(["schema", "diff", str(V5_PATH), str(path)]) == 2
    assert 'key "RunId" appears twice' in capsys.readouterr().err


def test_reordered_variants_report_their_real_positions() -> None:
    doc = copy.deepcopy(V5)
    vs = event_variants(doc)
    vs[5], vs[6] = vs[6], vs[5]
    for i, v in enumerate(vs):
        v["index"] = i
    changes = diff(parse(json.dumps(V5)), parse(json.dumps(doc)))
    assert [(c.kind, c.old, c.new) for c in changes] == [
        ("variant moved", "#5 TaskCanceled", "#6 TaskCanceled"),
        ("variant moved", "#6 RunCanceled", "#5 RunCanceled"),
    ]


def test_export_check_reports_stale_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "wal.json"
    path.write_text(json.dumps(V5))  # valid, but not the exported text
    assert main(["schema", "export", "--check", str(path)]) == 1
    assert "stale" in capsys.readouterr().out
    assert main(["schema", "export", "--check", str(V5_PATH)]) == 0


# -- fuzzing --------------------------------------------------------------------------------

FUZZ_EXAMPLES = int(os.environ.get("AQWAL_FUZZ_EXAMPLES", "0"))

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 40),
    st.sampled_from(
        ["u8", "u64", "string", "struct", "enum", "newtype", "unit", "RunId", "TaskId"]
    ),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["ref", "option", "seq", "name", "kind", "fields"]), inner, max_size=2
        ),
    ),
    max_leaves=8,
)


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, (*prefix, i))
    return out


BASES = {"wal": V5, "snapshot": SNAP}
PATHS = {name: _paths(doc) for name, doc in BASES.items()}


@st.composite
def mutated(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    name = draw(st.sampled_from(sorted(BASES)))
    doc = copy.deepcopy(BASES[name])
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(PATHS[name]))
        parent: Any = doc
        try:
            for key in path[:-1]:
                parent = parent[key]
            if not path:
                continue
            key = path[-1]
            action = draw(st.sampled_from(["replace", "delete", "swap", "copy"]))
            if action == "replace":
                parent[key] = draw(json_value)
            elif action == "delete":
                del parent[key]
            elif action == "swap" and isinstance(parent, list) and len(parent) > 1:
                j = draw(st.integers(0, len(parent) - 1))
                parent[key], parent[j] = parent[j], parent[key]
            elif action == "copy" and isinstance(parent, list):
                parent.append(copy.deepcopy(parent[key]))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed the path
    return BASES[name], doc


@settings(max_examples=FUZZ_EXAMPLES or settings().max_examples)
@given(mutated())
def test_fuzzed_registries_load_diff_or_refuse(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    # spec: VER-13, VER-14 — only the project's error, and in bounded time
    base, doc = pair
    started = time.monotonic()
    try:
        new = parse(json.dumps(doc))
    except AqwalError as err:
        assert err.code in ("registry_invalid", "registry_cycle")
        assert "\n" not in str(err)
        return
    old = parse(json.dumps(base))
    diff(old, new)
    diff(new, old)
    assert time.monotonic() - started < 5
