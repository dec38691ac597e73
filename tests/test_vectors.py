"""The golden vectors: current, verified, complete, within their schemas and size."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pycddl
import pytest

from aqwal.declarations import WAL_V5
from aqwal.errors import ERROR_CODES
from aqwal_conformance.coverage import coverage, unknown_clauses
from aqwal_conformance.scenarios import all_cases
from aqwal_conformance.vectorgen import generate
from aqwal_conformance.vectors import (
    cbor_bytes,
    evaluate,
    load_index,
    load_vector,
    vector_files,
    verify_vectors,
    write_vectors,
)

ROOT = Path(__file__).resolve().parents[1]
VECTORS = ROOT / "vectors"
SPEC = ROOT / "spec"
INDEX = load_index(VECTORS)
ENTRIES: list[dict[str, Any]] = INDEX["vectors"]


def test_committed_vectors_are_freshly_generated() -> None:
    # the files write_vectors would write (test_written_vectors_are_their_files), in memory
    fresh, _ = vector_files(generate())
    committed = {p.relative_to(VECTORS).as_posix(): p for p in VECTORS.rglob("*") if p.is_file()}
    assert sorted(fresh) == sorted(committed), "run: aqwal vectors generate"
    for rel, data in fresh.items():
        assert committed[rel].read_bytes() == data, f"{rel} is stale: run aqwal vectors generate"


def test_written_vectors_are_their_files(tmp_path: Path) -> None:
    # every vector with extra files (a snapshot beside its log), and a spread of the others
    chosen = [e for e in ENTRIES if len(e["files"]) > 3] + ENTRIES[::200]
    vectors = [load_vector(VECTORS, e) for e in chosen]
    for v in vectors:
        v.expected = evaluate(v)
    files, index = vector_files(vectors)
    assert write_vectors(vectors, tmp_path) == index
    written = {p.relative_to(tmp_path).as_posix(): p for p in tmp_path.rglob("*") if p.is_file()}
    assert sorted(written) == sorted(files) and list(files)[-1] == "index.json"
    assert all(written[rel].read_bytes() == data for rel, data in files.items())
    assert len(files) > 3 * len(vectors) + 1  # extra files among them


def test_every_vector_verifies() -> None:
    report = verify_vectors(VECTORS)
    assert report.failures == []
    assert report.checked == len(ENTRIES)


def test_minimums() -> None:
    assert len(ENTRIES) >= 1000
    valid_codec = Counter(
        e["id"].split("/")[1].split("-")[0]
        for e in ENTRIES
        if e["category"] == "codec" and e["result"] == "valid"
    )
    for variant in WAL_V5.enum("WalEventType").variants:
        assert valid_codec[variant.name] >= 5, variant.name
    invalid_codes = {e["error"] for e in ENTRIES if e["result"] in ("invalid", "acceptable")}
    for e in ENTRIES:
        if e["category"] == "wal":
            doc = json.loads((VECTORS / e["files"]["json"]).read_text(encoding="utf-8"))
            invalid_codes.add(doc["truncate_partial"].get("error"))
    # snapshot_bootstrap_failed cannot come from a file: every snapshot that passes SNP-7
    # bootstraps (the code exists for snapshot values handed to the API unvalidated).
    # snapshot_unreadable is about the path (a directory, a FIFO, ...), not its bytes (SNP-15).
    unreachable_from_files = {"snapshot_bootstrap_failed", "snapshot_unreadable"}
    for code, row in ERROR_CODES.items():
        if row.category in ("frame", "decode", "validation", "snapshot", "wal", "form"):
            assert code in invalid_codes or code in unreachable_from_files, code
    assert "variant_not_enabled" in invalid_codes
    replay_codes: set[str] = set()
    for e in ENTRIES:
        if e["category"] == "replay":
            doc = json.loads((VECTORS / e["files"]["json"]).read_text(encoding="utf-8"))
            replay_codes.update(c for c in doc.get("outcomes", []) if c)
    assert {c for c, r in ERROR_CODES.items() if r.category == "reducer"} <= replay_codes
    cells = {f"replay/{c.id}" for c in all_cases() if c.id.startswith("transition-")}
    assert len(cells) == 81 and cells <= {e["id"] for e in ENTRIES}


def test_index_matches_its_json_schema() -> None:
    schema = json.loads((SPEC / "schemas" / "vector-index.schema.json").read_text("utf-8"))
    jsonschema.validate(INDEX, schema)


def test_expected_documents_match_the_cddl() -> None:
    schema = pycddl.Schema((SPEC / "schemas" / "vector-expected.cddl").read_text("utf-8"))
    for e in ENTRIES:
        schema.validate_cbor((VECTORS / e["files"]["cbor"]).read_bytes())


def test_size_limit() -> None:
    total = sum(p.stat().st_size for p in VECTORS.rglob("*") if p.is_file())
    assert total < 10 * 1024 * 1024


def test_every_must_clause_is_covered() -> None:
    table = coverage(SPEC, INDEX)
    assert table, "no MUST clauses found in spec/"
    missing = [c for c, ids in table.items() if not ids]
    assert missing == []
    assert unknown_clauses(SPEC, INDEX) == set()


@pytest.mark.parametrize("category", sorted({e["category"] for e in ENTRIES}))
def test_each_category_has_valid_and_invalid_cases(category: str) -> None:
    results = {e["result"] for e in ENTRIES if e["category"] == category}
    assert "valid" in results
    assert "invalid" in results or category == "compat"


def test_clauses_verified_by_tests_name_existing_tests() -> None:
    from aqwal_conformance.coverage import VERIFIED_BY_TESTS

    for clause, tests in VERIFIED_BY_TESTS.items():
        for ref in tests:
            path, name = ref.split("::")
            assert f"def {name}(" in (ROOT / path).read_text(encoding="utf-8"), (clause, ref)


def test_every_vector_whose_outcome_depends_on_the_reader_mode_names_it() -> None:
    """spec: CP-4, CP-6 — the runner sends ``strict`` for every such case because the vector
    carries it; codec and frame documents hold both outcomes (their checks are in
    check_intent)."""
    unnamed = []
    for entry in ENTRIES:
        v = load_vector(VECTORS, entry)
        if v.category not in ("wal", "replay", "snapshot") or "strict" in v.options:
            continue
        if v.category == "snapshot" and "wal" not in v.extra:
            continue
        strict = cbor_bytes(evaluate(v))
        v.options = {**v.options, "strict": False}
        if cbor_bytes(evaluate(v)) != strict:
            unnamed.append(v.id)
    assert unnamed == []
    modes = {e["id"]: e.get("options", {}).get("strict") for e in ENTRIES}
    assert modes["wal/strict-overlong-varint"] is True
    assert modes["wal/lenient-overlong-varint"] is False
