"""Decode-time validation rules (spec: VAL-1 .. VAL-17).

The engine's hand-written ``Deserialize`` impls check these after a value's fields are decoded,
so a nested value's rule fires before its parent's (VAL-11). The same functions run for the
postcard decoder, the JSON and CBOR form readers, and (in VALIDATE mode) the encoders.

``offset`` is where the checked value starts in the input (or ``None`` for form input, where
``path`` says where it is).
"""

from __future__ import annotations

from aqwal.errors import ValidationError
from aqwal.types import CronPolicy, RepeatPolicy, RunInstance, RunState, TaskConstraints, TaskSpec

NIL_ID = bytes(16)
#: The white space of VAL-4: the separators of the cron 0.12 grammar (space, tab, LF, CR).
CRON_WHITE_SPACE = " \t\n\r"


def _fail(code: str, message: str, offset: int | None, path: str | None) -> ValidationError:
    return ValidationError(code, message, offset=offset, path=path)


def validate_repeat_policy(v: RepeatPolicy, offset: int | None, path: str | None = None) -> None:
    if v.count == 0:  # spec: VAL-1
        raise _fail("invalid_repeat_count", "invalid repeat count: 0 (must be >= 1)", offset, path)
    if v.interval_secs == 0:  # spec: VAL-2
        raise _fail(
            "invalid_repeat_interval",
            "invalid repeat interval_secs: 0 (must be >= 1)",
            offset,
            path,
        )


def validate_cron_policy(v: CronPolicy, offset: int | None, path: str | None = None) -> None:
    if not v.expression.strip(CRON_WHITE_SPACE):  # spec: VAL-4 (the grammar is the engine's)
        raise _fail("invalid_cron_expression", "cron expression is empty", offset, path)
    if v.max_occurrences == 0:  # spec: VAL-3
        raise _fail(
            "invalid_cron_max_occurrences", "max_occurrences must be at least 1", offset, path
        )


def validate_task_constraints(
    v: TaskConstraints, offset: int | None, path: str | None = None
) -> None:
    # spec: VAL-5 .. VAL-9, checked in this order
    if v.max_attempts == 0:
        raise _fail(
            "invalid_max_attempts", "invalid max_attempts value: 0 (must be >= 1)", offset, path
        )
    if v.timeout_secs == 0:
        raise _fail("zero_timeout", "timeout_secs must not be zero", offset, path)
    if v.concurrency_key == "":
        raise _fail(
            "empty_concurrency_key", "concurrency key must not be an empty string", offset, path
        )
    caps = v.required_capabilities
    if caps is not None:
        if not caps:
            raise _fail(
                "empty_capabilities", "required capabilities list must not be empty", offset, path
            )
        if "" in caps:
            raise _fail(
                "empty_capability_entry",
                "required_capabilities contains an empty string",
                offset,
                path,
            )


def validate_task_spec(v: TaskSpec, offset: int | None, path: str | None = None) -> None:
    if v.id == NIL_ID:  # spec: VAL-10
        raise _fail("nil_task_spec_id", "task id must not be the nil UUID", offset, path)


def validate_run_instance(v: RunInstance, offset: int | None, path: str | None = None) -> None:
    # spec: VAL-12 .. VAL-16, checked in this order
    if v.id == NIL_ID:
        raise _fail("nil_run_id", "run_id must not be nil", offset, path)
    if v.task_id == NIL_ID:
        raise _fail("nil_run_task_id", "task_id must not be nil", offset, path)
    if v.current_attempt_id is not None and v.state is not RunState.Running:
        # VAL-15 (terminal state with an attempt) can never fire after this rule.
        raise _fail(
            "attempt_outside_running",
            f"active attempt_id is only valid in Running state (state is {v.state.name})",
            offset,
            path,
        )
    if v.state is RunState.Ready and v.scheduled_at > v.created_at:
        raise _fail(
            "ready_schedule_causality",
            f"Ready state requires scheduled_at ({v.scheduled_at}) <= created_at ({v.created_at})",
            offset,
            path,
        )
