"""The engine divergences of the spec and the engine's expected-failures list agree.

Each chapter's "Engine divergences" section gives every item an identifier (``DIV-ENC-3``) and
a run line whose status says how running the engine showed it (encoding.md section 1.3). The
cases the engine fails are listed in conformance/adapters/actionqueue/expected-failures.txt
(CP-8), each citing the divergence it shows. Runs without the engine: it reads only the spec,
the list and the vector index.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from aqwal_conformance.runner import read_expected_failures

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "spec"
EXPECTED_FAILURES = ROOT / "conformance" / "adapters" / "actionqueue" / "expected-failures.txt"

#: Identifier tag -> (chapter, heading of its divergence section).
SECTIONS = {
    "ENC": ("encoding.md", "## 11. Engine divergences"),
    "WAL": ("wal-files.md", "## 8. Engine divergences"),
    "RED": ("reducer.md", "## 9. Engine divergences"),
    "SNP": ("snapshot.md", "## 11. Engine divergences"),
}
STATUSES = ("fails", "passes", "probe", "not executed")
ITEM = re.compile(r"^(\d+)\. `(DIV-([A-Z]+)-(\d+))` \*\*", re.M)
RUN = re.compile(r"^ +Run: \*\*([a-z ]+)\*\*", re.M)
CITATION = re.compile(r"\b(DIV-([A-Z]+)-(\d+)) \(([a-z-]+\.md) §(\d+) item (\d+)\)")


@dataclass(frozen=True)
class Divergence:
    id: str
    chapter: str
    section: str
    item: int
    status: str


def section_number(heading: str) -> str:
    return heading.split()[1].rstrip(".")


def parse_section(tag: str, chapter: str, heading: str, text: str) -> list[Divergence]:
    """The items of one divergence section; raises AssertionError on a malformed item."""
    start = text.index(heading)
    end = text.find("\n## ", start + 1)
    body = text[start : end if end >= 0 else len(text)]
    starts = list(ITEM.finditer(body))
    assert starts, f"{chapter}: no divergence items"
    out = []
    for n, m in enumerate(starts, start=1):
        number, ident, item_tag, item_number = m.groups()
        assert (int(number), item_tag, int(item_number)) == (n, tag, n), (
            f"{chapter}: item {number} is {ident}, expected DIV-{tag}-{n}"
        )
        item_end = starts[n].start() if n < len(starts) else len(body)
        runs = RUN.findall(body, m.end(), item_end)
        assert len(runs) == 1, f"{ident}: {len(runs)} run lines"
        assert runs[0] in STATUSES, f"{ident}: unknown run status {runs[0]!r}"
        out.append(Divergence(ident, chapter, section_number(heading), n, runs[0]))
    return out


def spec_divergences() -> dict[str, Divergence]:
    out: dict[str, Divergence] = {}
    for tag, (chapter, heading) in SECTIONS.items():
        text = (SPEC / chapter).read_text(encoding="utf-8")
        for d in parse_section(tag, chapter, heading, text):
            out[d.id] = d
    return out


def vector_ids() -> set[str]:
    index = json.loads((ROOT / "vectors" / "index.json").read_text(encoding="utf-8"))
    return {entry["id"] for entry in index["vectors"]}


def list_problems(
    listed: dict[str, str], divergences: dict[str, Divergence], cases: set[str]
) -> list[str]:
    """Every way the expected-failures list and the spec's divergences disagree."""
    problems = []
    cited_by: dict[str, list[str]] = {}
    for case, reason in sorted(listed.items()):
        if case not in cases:
            problems.append(f"{case}: no such case in vectors/index.json")
        citations = CITATION.findall(reason)
        if not citations:
            problems.append(f"{case}: the reason cites no divergence (DIV-X-n (file.md §s item n))")
        for ident, _tag, number, chapter, section, item in citations:
            d = divergences.get(ident)
            if d is None:
                problems.append(f"{case}: cites {ident}, which the spec does not define")
                continue
            if (chapter, section, int(item), int(number)) != (d.chapter, d.section, d.item, d.item):
                problems.append(f"{case}: {ident} is {d.chapter} §{d.section} item {d.item}")
            if d.status != "fails":
                problems.append(f"{case}: cites {ident}, whose run status is {d.status!r}")
            cited_by.setdefault(ident, []).append(case)
    for d in divergences.values():
        if d.status == "fails" and d.id not in cited_by:
            problems.append(f"{d.id}: run status 'fails' but no listed case cites it")
    return problems


def test_every_divergence_item_has_an_id_and_one_run_line() -> None:
    divergences = spec_divergences()
    assert {d.id.split("-")[1] for d in divergences.values()} == set(SECTIONS)
    assert any(d.status == "fails" for d in divergences.values())


def test_expected_failures_and_spec_divergences_agree() -> None:
    listed = read_expected_failures(EXPECTED_FAILURES)  # spec: CP-8
    assert listed, "the engine's expected-failures list is empty"
    assert list_problems(listed, spec_divergences(), vector_ids()) == []


def test_encoding_chapter_names_the_file_and_the_statuses() -> None:
    text = (SPEC / "encoding.md").read_text(encoding="utf-8")
    assert str(EXPECTED_FAILURES.relative_to(ROOT)) in text
    for status in STATUSES:
        assert f"* **{status}** —" in text


# The checks themselves: each kind of disagreement is reported.

FAILS = Divergence("DIV-ENC-8", "encoding.md", "11", 8, "fails")
PASSES = Divergence("DIV-ENC-1", "encoding.md", "11", 1, "passes")
SPEC_OF = {d.id: d for d in (FAILS, PASSES)}
GOOD = "DIV-ENC-8 (encoding.md §11 item 8): cause lost"


def test_a_consistent_list_has_no_problems() -> None:
    assert list_problems({"codec/x": GOOD}, SPEC_OF, {"codec/x"}) == []


@pytest.mark.parametrize(
    ("listed", "message"),
    [
        ({"codec/y": GOOD, "codec/x": GOOD}, "codec/y: no such case"),
        ({"codec/x": "fixed later"}, "codec/x: the reason cites no divergence"),
        ({"codec/x": GOOD + "; DIV-ENC-13 (encoding.md §11 item 13)"}, "does not define"),
        ({"codec/x": "DIV-ENC-8 (encoding.md §9 item 8)"}, "is encoding.md §11 item 8"),
        ({"codec/x": GOOD + "; DIV-ENC-1 (encoding.md §11 item 1)"}, "status is 'passes'"),
        ({}, "DIV-ENC-8: run status 'fails' but no listed case cites it"),
    ],
)
def test_each_disagreement_is_reported(listed: dict[str, str], message: str) -> None:
    problems = list_problems(listed, SPEC_OF, {"codec/x"})
    assert any(message in p for p in problems), problems


SECTION_TEXT = """## 11. Engine divergences

1. `DIV-ENC-1` **One.** Text.
   Run: **passes** — the cases.
2. `DIV-ENC-2` **Two.** Text.
   Run: **fails** — the cases.

## References
"""


def test_a_well_formed_section_parses() -> None:
    items = parse_section("ENC", "encoding.md", "## 11. Engine divergences", SECTION_TEXT)
    assert [(d.id, d.status) for d in items] == [("DIV-ENC-1", "passes"), ("DIV-ENC-2", "fails")]


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (SECTION_TEXT.replace("2. `DIV-ENC-2`", "2. `DIV-ENC-3`"), "expected DIV-ENC-2"),
        (SECTION_TEXT.replace("   Run: **fails** — the cases.\n", ""), "0 run lines"),
        (SECTION_TEXT.replace("**fails**", "**flaky**"), "unknown run status"),
    ],
)
def test_a_malformed_section_is_refused(broken: str, message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        parse_section("ENC", "encoding.md", "## 11. Engine divergences", broken)
