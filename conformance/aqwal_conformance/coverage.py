"""Which spec clauses the golden vectors cover (``aqwal vectors coverage``).

Clauses are read from the Markdown files of ``spec/``: a clause starts with its bold id
(``**ENC-3.**``) and runs to the next one. A clause is a MUST clause when its text contains
the keyword MUST (or MUST NOT).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CLAUSE = re.compile(r"\*\*([A-Z]{2,4}-\d+)\.\*\*")


@dataclass(frozen=True)
class Clause:
    id: str
    file: str
    must: bool
    text: str


def read_clauses(spec_dir: Path) -> dict[str, Clause]:
    clauses: dict[str, Clause] = {}
    for path in sorted(spec_dir.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        marks = list(CLAUSE.finditer(text))
        for i, m in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
            body = text[m.end() : end]
            # a clause ends at the next heading too
            heading = re.search(r"^#{1,6} ", body, re.M)
            if heading:
                body = body[: heading.start()]
            if m.group(1) in clauses:
                raise ValueError(f"clause {m.group(1)} is defined twice ({path.name})")
            clauses[m.group(1)] = Clause(m.group(1), path.name, "MUST" in body, body.strip())
    return clauses


def coverage(spec_dir: Path, index: dict[str, Any]) -> dict[str, list[str]]:
    """Every MUST clause → the ids of the vectors that cover it (possibly none)."""
    by_clause: dict[str, list[str]] = {}
    for entry in index["vectors"]:
        for clause in entry["clauses"]:
            by_clause.setdefault(clause, []).append(entry["id"])
    return {
        c.id: by_clause.get(c.id, [])
        for c in sorted(read_clauses(spec_dir).values(), key=_order)
        if c.must
    }


def unknown_clauses(spec_dir: Path, index: dict[str, Any]) -> set[str]:
    """Clause ids named by vectors that the spec does not define."""
    known = set(read_clauses(spec_dir))
    return {c for e in index["vectors"] for c in e["clauses"]} - known


def _order(c: Clause) -> tuple[str, int]:
    prefix, number = c.id.split("-")
    return prefix, int(number)
