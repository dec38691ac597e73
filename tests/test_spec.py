"""The spec and the code agree: the error table, and every clause the code cites exists."""

from __future__ import annotations

import re
from pathlib import Path

from aqwal.errors import ERROR_CODES
from aqwal_conformance.coverage import read_clauses

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "spec"
CITED = re.compile(r"\b(?:ENC|FRM|VAL|TYP|REG|STR|JSN|CBR|ERR|RED|EVT|SNP|WAL|DIG|CP|VER)-\d+\b")


def test_error_table_lists_exactly_the_codes() -> None:
    text = (SPEC / "errors.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z0-9_]+)` \| ([a-z]+) \| ([A-Z]+-\d+) \|", text, re.M)
    assert rows == [(e.code, e.category, e.clause) for e in ERROR_CODES.values()]


def test_every_cited_clause_is_defined() -> None:
    defined = set(read_clauses(SPEC))
    cited: dict[str, set[str]] = {}
    for folder in ("reference", "conformance", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            for clause in CITED.findall(path.read_text(encoding="utf-8")):
                cited.setdefault(clause, set()).add(str(path.relative_to(ROOT)))
    missing = {c: sorted(paths)[:3] for c, paths in cited.items() if c not in defined}
    assert missing == {}


def test_every_error_code_clause_is_defined() -> None:
    defined = set(read_clauses(SPEC))
    assert {e.clause for e in ERROR_CODES.values()} <= defined


def test_clauses_are_defined_once_with_must_clauses_present() -> None:
    clauses = read_clauses(SPEC)  # raises on a clause defined twice
    assert any(c.must for c in clauses.values())
