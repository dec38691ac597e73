"""One exception hierarchy with stable, machine-readable codes (spec: ERR-1 .. ERR-4).

Every error aqwal raises on bad input is an :class:`AqwalError`. Each carries

* ``code``: a stable snake_case string from :data:`ERROR_CODES` (never renamed once published);
* ``clause``: the spec clause that the input broke;
* ``offset``: the byte offset the problem was found at (relative to the start of the input the
  caller handed over), or ``None`` where bytes are not involved;
* ``path``: for JSON/CBOR-form input, the location inside the document (``/tasks/0/created_at``).

Callers match on ``code`` (or on the category subclass), never on message text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class ErrorCode:
    """One row of the error table (spec: ERR-2)."""

    code: str
    category: str
    clause: str
    summary: str


class AqwalError(Exception):
    """Base of every error aqwal raises for bad input (spec: ERR-1)."""

    category: ClassVar[str] = "general"

    def __init__(
        self,
        code: str,
        message: str,
        *,
        offset: int | None = None,
        path: str | None = None,
    ) -> None:
        entry = ERROR_CODES.get(code)
        if entry is None:
            raise ValueError(f"unregistered error code {code!r}")
        if entry.category != self.category:
            raise ValueError(
                f"error code {code!r} belongs to {entry.category}, not {self.category}"
            )
        super().__init__(message)
        self.code = code
        self.message = message
        self.offset = offset
        self.path = path
        self.clause = entry.clause

    def rebased(self, base: int) -> AqwalError:
        """The same error with its offset moved by ``base`` (payload → frame → file offsets)."""
        if self.offset is None or base == 0:
            return self
        return type(self)(self.code, self.message, offset=self.offset + base, path=self.path)

    def where(self) -> str:
        parts = []
        if self.offset is not None:
            parts.append(f"offset {self.offset}")
        if self.path is not None:
            parts.append(f"path {self.path or '/'}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        loc = f" at {where}" if where else ""
        return f"{self.code}{loc} [{self.clause}]: {self.message}"

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), self.code, self.message, self.offset, self.path))


def _rebuild(
    cls: type[AqwalError], code: str, message: str, offset: int | None, path: str | None
) -> AqwalError:
    return cls(code, message, offset=offset, path=path)


class FrameError(AqwalError):
    """The 12-byte record header or its relation to the payload is wrong (FRM clauses)."""

    category = "frame"


class PayloadDecodeError(AqwalError):
    """The payload is not a well-formed postcard encoding of a WalEvent (ENC clauses)."""

    category = "decode"


class ValidationError(AqwalError):
    """A well-formed value breaks a decode-time validation rule (VAL clauses)."""

    category = "validation"


class EncodeError(AqwalError):
    """A value cannot be encoded (ENC/FRM writer clauses)."""

    category = "encode"


class FormError(AqwalError):
    """A JSON-form or CBOR-form document does not describe a valid value (JSN/CBR clauses)."""

    category = "form"


class ReducerError(AqwalError):
    """An event cannot be applied to the current state (RED clauses)."""

    category = "reducer"


class SnapshotError(AqwalError):
    """A snapshot file or document is unusable (SNP clauses)."""

    category = "snapshot"


class WalFileError(AqwalError):
    """A WAL file is corrupt at some record (WAL clauses)."""

    category = "wal"


_CATEGORY_CLASSES: dict[str, type[AqwalError]] = {
    cls.category: cls
    for cls in (
        FrameError,
        PayloadDecodeError,
        ValidationError,
        EncodeError,
        FormError,
        ReducerError,
        SnapshotError,
        WalFileError,
    )
}


def _table(*rows: tuple[str, str, str, str]) -> dict[str, ErrorCode]:
    table: dict[str, ErrorCode] = {}
    for code, category, clause, summary in rows:
        if code in table:
            raise ValueError(f"duplicate error code {code}")
        table[code] = ErrorCode(code, category, clause, summary)
    return table


# spec: ERR-2 — the table of every code. spec/errors.md lists exactly these rows (tested).
ERROR_CODES: dict[str, ErrorCode] = _table(
    # frame
    ("frame_too_short", "frame", "FRM-5", "fewer than 12 bytes: the record header is incomplete"),
    ("frame_version_unsupported", "frame", "FRM-2", "header version is not 5"),
    ("frame_payload_too_large", "frame", "FRM-6", "declared payload length over 268435456 bytes"),
    ("frame_length_exceeds_buffer", "frame", "FRM-4", "declared length runs past the input"),
    ("frame_empty_payload", "frame", "FRM-5", "declared payload length is 0"),
    ("frame_crc_mismatch", "frame", "FRM-3", "CRC-32 of the payload differs from the header"),
    ("frame_trailing_bytes", "frame", "FRM-7", "bytes follow the single record that was asked for"),
    # payload structure
    ("unexpected_end", "decode", "ENC-16", "input ended inside a value"),
    ("varint_overflow", "decode", "ENC-3", "varint longer than its type allows or too large"),
    ("non_canonical_varint", "decode", "ENC-4", "varint has redundant trailing zero groups"),
    ("invalid_option_tag", "decode", "ENC-8", "Option tag byte other than 0x00 or 0x01"),
    ("invalid_utf8", "decode", "ENC-10", "string bytes are not valid UTF-8"),
    ("invalid_uuid_length", "decode", "ENC-12", "identifier byte string is not 16 bytes long"),
    ("unknown_variant", "decode", "ENC-15", "enum discriminant names no variant"),
    ("trailing_bytes", "decode", "ENC-17", "payload bytes left over after the WalEvent"),
    # decode-time validation
    ("invalid_repeat_count", "validation", "VAL-1", "Repeat policy count is 0"),
    ("invalid_repeat_interval", "validation", "VAL-2", "Repeat policy interval_secs is 0"),
    ("invalid_cron_max_occurrences", "validation", "VAL-3", "Cron max_occurrences is Some(0)"),
    ("invalid_cron_expression", "validation", "VAL-4", "Cron expression is empty"),
    ("invalid_max_attempts", "validation", "VAL-5", "constraints max_attempts is 0"),
    ("zero_timeout", "validation", "VAL-6", "constraints timeout_secs is Some(0)"),
    ("empty_concurrency_key", "validation", "VAL-7", 'constraints concurrency_key is Some("")'),
    ("empty_capabilities", "validation", "VAL-8", "required_capabilities is Some([])"),
    ("empty_capability_entry", "validation", "VAL-9", 'required_capabilities holds ""'),
    ("nil_task_spec_id", "validation", "VAL-10", "TaskSpec id is the nil UUID"),
    ("nil_run_id", "validation", "VAL-12", "RunInstance id is the nil UUID"),
    ("nil_run_task_id", "validation", "VAL-13", "RunInstance task_id is the nil UUID"),
    ("attempt_outside_running", "validation", "VAL-14", "active attempt on a run not Running"),
    (
        "ready_schedule_causality",
        "validation",
        "VAL-16",
        "Ready run with scheduled_at > created_at",
    ),
    # encoding
    ("value_out_of_range", "encode", "ENC-21", "integer does not fit its wire type"),
    ("invalid_value_type", "encode", "ENC-21", "value is not of the declared type"),
    ("invalid_id", "encode", "ENC-12", "identifier is not 16 bytes"),
    ("payload_too_large_to_write", "encode", "FRM-6", "payload would exceed 268435456 bytes"),
    ("variant_not_enabled", "encode", "ENC-19", "variant needs a feature that is not enabled"),
    # JSON / CBOR form
    ("form_syntax", "form", "JSN-1", "document is not well-formed JSON / CBOR"),
    ("form_type_mismatch", "form", "JSN-2", "a value has the wrong JSON/CBOR type"),
    ("form_missing_field", "form", "JSN-3", "a required field is absent"),
    ("form_duplicate_key", "form", "JSN-4", "an object repeats a key"),
    ("form_unknown_variant", "form", "JSN-5", "an enum tag names no variant"),
    ("form_invalid_uuid", "form", "JSN-6", "an identifier is not a UUID in an accepted form"),
    ("form_out_of_range", "form", "JSN-7", "an integer does not fit its declared type"),
    # reducer (spec/reducer.md)
    ("sequence_not_increasing", "reducer", "RED-2", "sequence not above the latest applied"),
    ("duplicate_task", "reducer", "EVT-0", "TaskCreated for a task that exists"),
    ("duplicate_run", "reducer", "EVT-1", "RunCreated for a run that exists"),
    ("run_not_scheduled", "reducer", "EVT-1", "RunCreated with a state other than Scheduled"),
    ("unknown_run", "reducer", "RED-4", "run event for a run that does not exist"),
    ("previous_state_mismatch", "reducer", "EVT-2", "previous_state is not the run's state"),
    ("illegal_transition", "reducer", "RED-4", "the transition is not in the table"),
    ("attempt_in_progress", "reducer", "RED-5", "leaving Running while an attempt is active"),
    ("run_not_running", "reducer", "RED-5", "attempt event for a run that is not Running"),
    ("attempt_already_active", "reducer", "EVT-3", "AttemptStarted while an attempt is active"),
    ("attempt_count_overflow", "reducer", "EVT-3", "attempt_count would pass 2^32-1"),
    ("no_active_attempt", "reducer", "EVT-4", "AttemptFinished with no active attempt"),
    ("attempt_mismatch", "reducer", "EVT-4", "AttemptFinished for another attempt"),
    ("attempt_already_finished", "reducer", "EVT-4", "first entry of that attempt id finished"),
    ("unknown_task", "reducer", "EVT-5", "TaskCanceled for a task that does not exist"),
    ("task_already_canceled", "reducer", "EVT-5", "TaskCanceled for a canceled task"),
    ("lease_unknown_run", "reducer", "RED-6", "lease event for a run that does not exist"),
    ("lease_run_state", "reducer", "RED-6", "lease event not allowed in the run's state"),
    ("lease_already_active", "reducer", "EVT-7", "LeaseAcquired while a lease is held"),
    ("lease_missing", "reducer", "RED-6", "lease event but the run holds no lease"),
    ("lease_owner_mismatch", "reducer", "RED-6", "lease event by another owner"),
    ("lease_expiry_regressed", "reducer", "EVT-8", "heartbeat moves the expiry backwards"),
    ("lease_expiry_mismatch", "reducer", "RED-6", "expire/release names another expiry"),
    ("engine_already_paused", "reducer", "EVT-11", "EnginePaused while paused"),
    ("engine_not_paused", "reducer", "EVT-12", "EngineResumed while not paused"),
    ("engine_resume_before_pause", "reducer", "EVT-12", "resume timestamp before the pause"),
    # snapshot file (spec/snapshot.md)
    ("snapshot_truncated", "snapshot", "SNP-4", "the 12-byte snapshot header is incomplete"),
    ("snapshot_unsupported_version", "snapshot", "SNP-2", "snapshot frame version is not 4"),
    ("snapshot_payload_too_large", "snapshot", "SNP-2", "payload longer than 268435456 bytes"),
    ("snapshot_truncated_payload", "snapshot", "SNP-4", "fewer payload bytes than declared"),
    ("snapshot_crc_mismatch", "snapshot", "SNP-2", "CRC-32 of the payload differs"),
    ("snapshot_unreadable", "snapshot", "SNP-15", "the snapshot path is not a readable file"),
    # snapshot content (the engine's validate_snapshot, in its order)
    ("unsupported_schema_version", "snapshot", "SNP-5", "metadata.schema_version is not 8"),
    ("task_count_mismatch", "snapshot", "SNP-7", "metadata.task_count differs from tasks"),
    ("run_count_mismatch", "snapshot", "SNP-7", "metadata.run_count differs from runs"),
    ("duplicate_snapshot_task", "snapshot", "SNP-7", "a task id appears twice"),
    ("task_canceled_before_created", "snapshot", "SNP-7", "canceled_at earlier than created_at"),
    ("run_attempt_lineage_count", "snapshot", "SNP-7", "active attempt with attempt_count 0"),
    ("run_missing_initial_history", "snapshot", "SNP-7", "history does not start null->Scheduled"),
    ("run_history_transition", "snapshot", "SNP-7", "history breaks the table or the run state"),
    ("run_attempt_history_count", "snapshot", "SNP-7", "attempt entries differ from attempt_count"),
    ("run_active_attempt_history", "snapshot", "SNP-7", "active attempt lacks one open entry"),
    ("run_lease_presence", "snapshot", "SNP-7", "lease on a run not Ready/Leased/Running"),
    ("duplicate_snapshot_run", "snapshot", "SNP-7", "a run id appears twice"),
    ("run_unknown_task", "snapshot", "SNP-7", "a run's task is not among the tasks"),
    ("engine_paused_causality", "snapshot", "SNP-7", "paused without paused_at"),
    ("engine_resumed_causality", "snapshot", "SNP-7", "inconsistent pause/resume timestamps"),
    ("engine_pause_resume_ordering", "snapshot", "SNP-7", "resumed_at before paused_at"),
    ("duplicate_dependency_declaration", "snapshot", "SNP-7", "two declarations for a task"),
    ("dependency_unknown_task", "snapshot", "SNP-7", "declaration for an unknown task"),
    ("dependency_unknown_prerequisite", "snapshot", "SNP-7", "prerequisite is an unknown task"),
    ("duplicate_budget", "snapshot", "SNP-7", "two budgets for one task and dimension"),
    ("budget_unknown_task", "snapshot", "SNP-7", "budget for an unknown task"),
    ("duplicate_subscription", "snapshot", "SNP-7", "a subscription id appears twice"),
    ("subscription_unknown_task", "snapshot", "SNP-7", "subscription for an unknown task"),
    # bootstrap
    ("snapshot_bootstrap_failed", "snapshot", "SNP-9", "synthesizing the snapshot's events failed"),
    ("snapshot_ahead_of_wal", "snapshot", "SNP-12", "wal_sequence beyond the WAL's last record"),
    # WAL files: the engine's reason codes (spec/wal-files.md)
    ("incomplete_header", "wal", "WAL-3", "fewer than 12 bytes left for a record header"),
    ("incomplete_payload", "wal", "WAL-3", "the file ends inside a record's payload"),
    ("unsupported_version", "wal", "WAL-3", "the record's version is not 5"),
    ("decode_failure", "wal", "WAL-3", "the record cannot be decoded (or is over 256 MiB)"),
    ("crc_mismatch", "wal", "WAL-3", "the record's payload CRC-32 differs from its header"),
    ("mid_file_corruption", "wal", "WAL-8", "a corrupt record is followed by valid records"),
)


def error_for(
    code: str, message: str, *, offset: int | None = None, path: str | None = None
) -> AqwalError:
    """Build an error of the category class that owns ``code``."""
    cls = _CATEGORY_CLASSES[ERROR_CODES[code].category]
    return cls(code, message, offset=offset, path=path)
