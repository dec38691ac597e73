"""spec/registry/errors.json is the error table: errors.py and spec/errors.md agree with it
(spec: ERR-2)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from aqwal.errors import ERROR_CODES, LOCATIONS, errors_registry_text
from aqwal.reducer import ENGINE_ERROR_KIND

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / "spec" / "registry" / "errors.json"


def registry_rows() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = json.loads(REGISTRY.read_text(encoding="utf-8"))["codes"]
    return rows


def test_committed_error_registry_is_the_table_of_errors_py() -> None:
    assert REGISTRY.read_text(encoding="utf-8") == errors_registry_text()


def test_spec_table_lists_the_registry_row_for_row() -> None:
    text = (ROOT / "spec" / "errors.md").read_text(encoding="utf-8")
    rows = re.findall(
        r"^\| `([a-z0-9_]+)` \| ([a-z]+) \| ([A-Z]+-\d+) \| ([a-z ]+) \| (.+) \|$", text, re.M
    )
    assert rows == [
        (r["code"], r["category"], r["clause"], r["location"], r["meaning"])
        for r in registry_rows()
    ]


def test_every_row_is_complete() -> None:
    for row in registry_rows():
        assert row["location"] in LOCATIONS, row
        assert row["engine"] and row["meaning"], row
    assert [r["code"] for r in registry_rows()] == list(ERROR_CODES)


def test_reducer_engine_kinds_come_from_the_table() -> None:
    for code, kind in ENGINE_ERROR_KIND.items():
        assert ERROR_CODES[code].engine == f"ReplayReducerError::{kind}"
    assert set(ENGINE_ERROR_KIND) == {c for c, e in ERROR_CODES.items() if e.category == "reducer"}
