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


#: MUST clauses about processes rather than data — the runner and the IUT, atomic file
#: replacement — which no input/output vector can express. Each is covered by a named test.
VERIFIED_BY_TESTS: dict[str, tuple[str, ...]] = {
    "CP-1": (
        "tests/test_conformance_runner.py::test_example_testee_passes_everything_over_the_protocol",
    ),
    "CP-2": (
        "tests/test_conformance_runner.py::test_garbage_and_wrong_lengths_are_reported_with_what_was_received",
        "tests/test_runner_hostile.py::test_hostile_values_are_failed_cases",
        "tests/test_runner_hostile.py::test_a_flood_of_64_mib_messages_is_read_one_message_ahead",
        "tests/test_conformance_runner.py::test_unsolicited_output_is_a_failure_not_a_shifted_verdict",
        "tests/test_verbatim_requests.py::test_a_process_iut_receives_the_input_bytes_unchanged",
    ),
    "CP-3": (
        "tests/test_conformance_runner.py::test_example_testee_passes_everything_over_the_protocol",
    ),
    "CP-4": (
        "tests/test_conformance_runner.py::test_example_testee_passes_everything_over_the_protocol",
        "tests/test_vectors.py::test_every_vector_whose_outcome_depends_on_the_reader_mode_names_it",
    ),
    "CP-5": (
        "tests/test_conformance_runner.py::test_unsupported_kinds_are_skipped",
        "tests/test_runner_grading.py::test_a_run_that_tests_nothing_fails_unless_skips_are_allowed",
        "tests/test_runner_grading.py::test_required_kinds_turn_skips_into_failures",
    ),
    "CP-6": (
        "tests/test_conformance_runner.py::test_reference_in_process_passes_everything",
        "tests/test_conformance_runner.py::test_file_requests_carry_the_vector_options",
    ),
    "CP-7": (
        "tests/test_conformance_runner.py::test_coarse_codes_pass",
        "tests/test_conformance_runner.py::test_swapped_variants_are_caught",
        "tests/test_conformance_runner.py::test_acceptable_snapshot_may_be_refused",
    ),
    "CP-8": ("tests/test_conformance_runner.py::test_expected_failures_and_unexpected_passes",),
    "CP-9": (
        "tests/test_conformance_runner.py::test_a_hanging_iut_times_out_and_the_run_goes_on",
        "tests/test_conformance_runner.py::test_a_crashing_iut_is_restarted_and_each_case_fails",
        "tests/test_conformance_runner.py::test_bad_iut_commands_are_usage_or_run_errors",
    ),
    "CP-10": (
        "tests/test_machine.py::test_differential_mode",
        "tests/test_runner_cli.py::test_differential_mode_honours_reports_outputs_and_expected_failures",
    ),
    "CP-11": ("tests/test_conformance_runner.py::test_reference_in_process_passes_everything",),
    "CP-12": (
        "tests/test_runner_grading.py::test_levels_show_category_only_and_offset_free_answers",
        "tests/test_runner_grading.py::test_grading_fails_cases_below_the_required_level",
    ),
    "CP-13": (
        "tests/test_testee_requests.py::test_wrong_members_are_request_malformed",
        "tests/test_testee_requests.py::test_servers_survive_malformed_requests_and_refuse_oversized_frames",
        "tests/test_runner_grading.py::test_a_request_malformed_answer_fails_the_case",
        "tests/test_verbatim_requests.py::test_an_iut_that_stops_after_a_malformed_body_fails_and_is_restarted",
    ),
    "CP-14": (
        "tests/test_runner_cli.py::test_unusable_vector_sets_are_one_line_errors",
        "tests/test_runner_cli.py::test_a_checkout_takes_precedence_over_the_packaged_set",
    ),
    "CP-15": (
        "tests/test_runner_reports.py::test_json_report_matches_its_schema_and_documents_every_member",
        "tests/test_runner_reports.py::test_junit_report_carries_levels_logs_and_run_problems",
        "tests/test_runner_reports.py::test_text_report_lines",
    ),
    "ENC-21": ("tests/test_error_codes.py::test_in_memory_values_get_the_encoder_codes",),
    "SNP-10": ("tests/test_snapshot.py::test_write_is_atomic",),
    # The builds of an implementation's in-memory values: no byte shows them.
    "TYP-16": (
        "tests/test_compiled_variants.py::test_native_values_behave_as_the_default_builds_values",
        "tests/test_compiled_variants.py::test_native_values_accept_any_field_until_the_encoder_refuses_it",
        "tests/test_compiled_variants.py::test_the_native_decoder_and_encoder_agree_with_the_default_ones",
    ),
    "WAL-9": (
        "tests/test_walfile.py::test_torn_tail_at_every_byte_offset",
        "tests/test_cli.py::test_encode_refuses_to_overwrite_its_input",
    ),
    # Files that are not regular files, unreadable snapshots and output targets: vectors are
    # bytes, so these clauses are verified by the tests that build such files.
    "SNP-15": (
        "tests/test_snapshot.py::test_unreadable_snapshot_is_reported_and_replay_goes_on",
        "tests/test_snapshot.py::test_reading_a_snapshot_stops_after_the_declared_payload",
        "tests/test_hostile_cli.py::test_data_directory_with_an_unreadable_snapshot",
    ),
    "WAL-15": (
        "tests/test_hostile_cli.py::test_inputs_that_are_not_regular_files",
        "tests/test_hostile_cli.py::test_data_directory_with_an_unusable_wal",
        "tests/test_resync.py::test_time_is_linear_with_many_large_candidates",
    ),
    "WAL-16": (
        "tests/test_atomicfile.py::test_planted_links_at_guessable_temporary_names_are_not_followed",
        "tests/test_atomicfile.py::test_a_fixed_temporary_name_is_replaced_not_written_through",
        "tests/test_hostile_cli.py::test_output_targets_that_must_not_be_replaced",
        "tests/test_hostile_cli.py::test_planted_temporary_names_are_never_written_through",
        "tests/test_hostile_cli.py::test_vectors_generate_refuses_what_is_not_a_vector_set",
    ),
}


def coverage(spec_dir: Path, index: dict[str, Any]) -> dict[str, list[str]]:
    """Every MUST clause → the vectors (or, for VERIFIED_BY_TESTS, the tests) covering it."""
    by_clause: dict[str, list[str]] = {k: list(v) for k, v in VERIFIED_BY_TESTS.items()}
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
