"""The mutation benchmark's machinery (benchmarks/mutation.py) on a handful of mutants."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import mutation
from mutants import ModuleMutator, Mutant, mutants

ROOT = Path(__file__).resolve().parents[1]

# AttemptStarted no longer counts: every replay with an attempt ends in another state
CAUGHT = "reducer:Reducer.attempt_started:delete: run.attempt_count += 1 => pass #1"
EQUIVALENT = (
    "reducer:_first_attempt:delete: raise AssertionError(f'active attempt "
    "{uuid_text(attempt_... => pass #1"
)

SOURCE = """
LIMIT = 3
def f(x, items):
    if x < LIMIT and x in (1, 2):
        return x + 1
    return {4, 5}
"""


def test_points_have_readable_stable_ids() -> None:
    ids = [m.id for m in mutants("m", SOURCE)]
    assert "m:f:compare: x < LIMIT => x <= LIMIT #1" in ids
    assert "m:f:boolop: x < LIMIT and x in (1, 2) => x < LIMIT or x in (1, 2) #1" in ids
    assert "m:f:drop: x in (1, 2) => x in (2,) #1" in ids
    assert "m:f:drop: {4, 5} => {5} #1" in ids
    assert "m:f:negate: x < LIMIT and x in (1, 2) => not (x < LIMIT and x in (1, 2)) #1" in ids
    assert "m:f:delete: return x + 1 => pass #1" in ids
    assert "m:<module>:const: 3 => 4 #1" in ids
    assert len(set(ids)) == len(ids) and not any("  " in i for i in ids)
    # an edit elsewhere in the module leaves the ids of f's points as they were
    edited = mutants("m", "import os\n" + SOURCE + "\ndef g():\n    return 7\n")
    assert set(ids) <= {m.id for m in edited}


def test_a_point_changes_exactly_one_place() -> None:
    points = mutants("m", SOURCE)
    mutator = ModuleMutator(SOURCE)
    index = next(m.index for m in points if m.id == "m:f:binop: x + 1 => x - 1 #1")
    assert "return x - 1" in mutator.source_with(index)
    assert mutator.source_with(index).replace("x - 1", "x + 1") == mutator.pristine()


def test_listings_name_existing_mutants_and_functions() -> None:
    candidates = mutation.all_mutants(mutation.DEFAULT_MODULES, {})
    known = {m.id for m in candidates}
    equivalent = mutation.read_equivalents(mutation.EQUIVALENT_FILE)
    assert EQUIVALENT in equivalent
    assert not equivalent.stale(known), "stale ids or families in mutation-equivalent.txt"
    functions = {f"{m.module}:{m.qualname}" for m in candidates}
    scope = mutation.read_listing(mutation.SCOPE_FILE)
    for key in scope:
        assert key in (known if ": " in key else functions), f"stale in mutation-scope.txt: {key}"
    assert not any(key in equivalent for key in scope)


def test_a_family_lists_the_same_fault_in_every_generated_reader() -> None:
    equivalent = mutation.read_equivalents(mutation.EQUIVALENT_FILE)
    ids = {m.id for m in mutation.all_mutants(["json_reader"], {})}
    narrowed = "json_reader:_r_RepeatPolicy:compare: 0 <= f_count <= 4294967295 => "
    assert narrowed + "0 < f_count <= 4294967295 #1" in equivalent
    assert narrowed + "0 <= f_count < 4294967295 #1" in equivalent
    # widening a range lets a wrong value through: no family may list it
    widened = [i for i in ids if i.startswith(narrowed) and "<= 4294967296" in i]
    widened += [i for i in ids if ":_r_RepeatPolicy:const: 0 => -1 " in i]
    assert widened and not any(i in equivalent for i in widened)
    # counting one member too many (a run's own, its lease's, a data variant's object) would
    # hide a repeated key (JSN-4): not equivalent, and no family lists them
    for checked in (
        "json_reader:_r_SnapshotRun:const: 13 => 14 #1",
        "json_reader:_r_SnapshotRun:const: 4 => 5 #2",
        "json_reader:_r_RunPolicy:const: 1 => 2 #2",
    ):
        assert checked in ids and checked not in equivalent
    listing = mutation.Equivalents({"m:f:x #1": "why"}, ((re.compile(r"m:g:.* #\d+"), "w"),))
    assert listing.reason("m:g:anything #3") == "w" and "m:h:anything #1" not in listing
    assert listing.stale(["m:f:x #1"]) == ["~ m:g:.* #\\d+"]
    assert listing.stale(["m:g:y #1"]) == ["m:f:x #1"]


def test_a_caught_and_an_equivalent_mutant() -> None:
    candidates = mutation.all_mutants(["reducer"], {})
    selected = mutation.select_mutants(candidates, [CAUGHT, EQUIVALENT])
    options = mutation.Options(vectors=ROOT / "vectors", categories=["replay"], jobs=2)
    verdicts = mutation.judge_all([(m, m.module) for m in selected], options)
    by_id = {m.id: v for m, v in zip(selected, verdicts, strict=True)}
    assert by_id[CAUGHT]["status"] == "caught" and by_id[CAUGHT]["killed_by"].startswith("replay/")
    assert by_id[EQUIVALENT]["status"] == "survived"
    results = mutation.tally(
        selected, verdicts, mutation.read_equivalents(mutation.EQUIVALENT_FILE), None
    )
    total = results.total
    assert (total.mutants, total.caught, total.equivalent, total.survived) == (2, 1, 1, 0)
    assert total.scores()[0] == 1.0
    assert "100.0 %" in mutation.table(results)


def test_a_rerun_of_the_survivors_is_folded_into_the_earlier_results() -> None:
    def point(m_id: str) -> Mutant:
        return Mutant(m_id, "m", "f", "const", "1", "2", 1, 0, False)

    names = ("caught", "equal", "gone", "kept", "wrongly-listed")
    ids = {name: f"m:f:const: {name} #1" for name in names}
    row = {"mutants": 11, "invalid": 0, "equivalent": 1, "caught": 5, "survived": 5}
    earlier: dict[str, Any] = {
        "modules": {"m": {**row, "executed": 10, "caught_executed": 5}},
        "out_of_scope": {"m": 2},
        "equivalent_caught": [],
        "survivors": [{"id": i, "line": 1, "executed": True} for i in ids.values()],
    }
    rerun = mutation.Results(
        survivors=[{"id": ids["kept"], "line": 1, "executed": True}],
        equivalent_caught=[ids["wrongly-listed"]],
    )
    candidates = [point(ids[name]) for name in names if name != "gone"]
    listed = mutation.Equivalents({ids["equal"]: "why", ids["wrongly-listed"]: "why not"})
    doc = mutation.fold_rerun(earlier, rerun, candidates, listed, "abc")
    folded = doc["modules"]["m"]
    assert (folded["mutants"], folded["equivalent"], folded["caught"], folded["survived"]) == (
        10,
        2,
        7,
        1,
    )
    assert (folded["executed"], folded["caught_executed"]) == (8, 7)
    assert folded["score"] == round(7 / 8, 4) and doc["total"]["score"] == folded["score"]
    assert doc["equivalent_caught"] == [ids["wrongly-listed"]]
    assert doc["out_of_scope"] == {"m": 3} and doc["survivors_rerun_at"] == "abc"
    assert [s["id"] for s in doc["survivors"]] == [ids["kept"]]
    assert row["survived"] == 5 and len(earlier["survivors"]) == 5  # left as it was
    # a re-run narrowed to other modules leaves this module's survivors as they were
    other = mutation.fold_rerun(earlier, mutation.Results(), [], mutation.Equivalents({}), "def")
    assert other["survivors"] == earlier["survivors"] and other["modules"]["m"]["survived"] == 5
