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

import json
from dataclasses import dataclass
from typing import ClassVar

#: How an error of a code is located (spec: ERR-1, ERR-2): a byte offset, a JSON Pointer path,
#: an offset in binary input and a path in form input, or neither.
LOCATIONS = ("offset", "path", "offset or path", "none")


@dataclass(frozen=True, slots=True)
class ErrorCode:
    """One row of the error table (spec: ERR-2)."""

    code: str
    category: str
    clause: str
    #: One of :data:`LOCATIONS`.
    location: str
    #: The engine's error for the same input (spec: ERR-4), or ``none: why``.
    engine: str
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


class NestingLimitError(FormError):
    """A JSON-form text nested deeper than the reader follows: ``form_syntax`` without an
    offset, since the text is refused before its end is read (spec: JSN-14)."""


class ReducerError(AqwalError):
    """An event cannot be applied to the current state (RED clauses)."""

    category = "reducer"


class SnapshotError(AqwalError):
    """A snapshot file or document is unusable (SNP clauses)."""

    category = "snapshot"


class WalFileError(AqwalError):
    """A WAL file is corrupt at some record (WAL clauses)."""

    category = "wal"


class RequestError(AqwalError):
    """A conformance-protocol request cannot be read (CP-13); only implementations under test
    report it."""

    category = "protocol"


class SchemaError(AqwalError):
    """A type registry, or the Rust source it is extracted from, is unusable (VER clauses)."""

    category = "schema"


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
        SchemaError,
        RequestError,
    )
}


def _table(*rows: tuple[str, str, str, str, str, str]) -> dict[str, ErrorCode]:
    table: dict[str, ErrorCode] = {}
    for code, category, clause, location, engine, summary in rows:
        if code in table:
            raise ValueError(f"duplicate error code {code}")
        if location not in LOCATIONS:
            raise ValueError(f"{code}: unknown location {location!r}")
        table[code] = ErrorCode(code, category, clause, location, engine, summary)
    return table


# spec: ERR-2 — the table of every code, with where its errors are located and the engine's error
# for the same input (ERR-4). spec/registry/errors.json is this table (tested), and the table
# of spec/errors.md lists the same rows.
ERROR_CODES: dict[str, ErrorCode] = _table(
    # frame
    (
        "frame_too_short",
        "frame",
        "FRM-5",
        "offset",
        "DecodeError::InvalidLength",
        "fewer than 12 bytes: the record header is incomplete",
    ),
    (
        "frame_version_unsupported",
        "frame",
        "FRM-2",
        "offset",
        "DecodeError::UnsupportedVersion",
        "header version is not 5",
    ),
    (
        "frame_payload_too_large",
        "frame",
        "FRM-6",
        "offset",
        "none: codec::decode has no limit (file scanners: decode_failure)",
        "declared payload length over 268435456 bytes",
    ),
    (
        "frame_length_exceeds_buffer",
        "frame",
        "FRM-4",
        "offset",
        "DecodeError::InvalidLength",
        "declared length runs past the input",
    ),
    (
        "frame_empty_payload",
        "frame",
        "FRM-5",
        "offset",
        "DecodeError::InvalidLength",
        "declared payload length is 0",
    ),
    (
        "frame_crc_mismatch",
        "frame",
        "FRM-3",
        "offset",
        "DecodeError::CrcMismatch",
        "CRC-32 of the payload differs from the header",
    ),
    (
        "frame_trailing_bytes",
        "frame",
        "FRM-7",
        "offset",
        "none: accepted",
        "bytes follow the single record that was asked for",
    ),
    # payload structure
    (
        "unexpected_end",
        "decode",
        "ENC-16",
        "offset",
        "DecodeError::Decode (postcard DeserializeUnexpectedEnd)",
        "input ended inside a value",
    ),
    (
        "varint_overflow",
        "decode",
        "ENC-3",
        "offset",
        "DecodeError::Decode (postcard DeserializeBadVarint)",
        "varint longer than its type allows or too large",
    ),
    (
        "non_canonical_varint",
        "decode",
        "ENC-4",
        "offset",
        "none: accepted",
        "varint has redundant trailing zero groups",
    ),
    (
        "invalid_option_tag",
        "decode",
        "ENC-8",
        "offset",
        "DecodeError::Decode (postcard DeserializeBadOption)",
        "Option tag byte other than 0x00 or 0x01",
    ),
    (
        "invalid_utf8",
        "decode",
        "ENC-10",
        "offset",
        "DecodeError::Decode (postcard DeserializeBadUtf8)",
        "string bytes are not valid UTF-8",
    ),
    (
        "invalid_uuid_length",
        "decode",
        "ENC-12",
        "offset",
        "DecodeError::Decode (postcard SerdeDeCustom: uuid length error)",
        "identifier byte string is not 16 bytes long",
    ),
    (
        "unknown_variant",
        "decode",
        "ENC-15",
        "offset",
        "DecodeError::Decode (postcard SerdeDeCustom: serde invalid value)",
        "enum discriminant names no variant",
    ),
    (
        "trailing_bytes",
        "decode",
        "ENC-17",
        "offset",
        "none: accepted",
        "payload bytes left over after the WalEvent",
    ),
    # decode-time validation
    (
        "invalid_repeat_count",
        "validation",
        "VAL-1",
        "offset or path",
        "DecodeError::Decode (SerdeDeCustom: RunPolicyError::InvalidRepeatCount)",
        "Repeat policy count is 0",
    ),
    (
        "invalid_repeat_interval",
        "validation",
        "VAL-2",
        "offset or path",
        "DecodeError::Decode (SerdeDeCustom: RunPolicyError::InvalidRepeatIntervalSecs)",
        "Repeat policy interval_secs is 0",
    ),
    (
        "invalid_cron_max_occurrences",
        "validation",
        "VAL-3",
        "offset or path",
        "DecodeError::Decode (SerdeDeCustom: CronPolicyError)",
        "Cron max_occurrences is Some(0)",
    ),
    (
        "invalid_cron_expression",
        "validation",
        "VAL-4",
        "offset or path",
        "DecodeError::Decode (SerdeDeCustom: CronPolicyError)",
        "Cron expression is empty",
    ),
    (
        "invalid_max_attempts",
        "validation",
        "VAL-5",
        "offset or path",
        "DecodeError::Decode (SerdeDeCustom: TaskConstraintsError::InvalidMaxAttempts)",
        "constraints max_attempts is 0",
    ),
    (
        "zero_timeout",
        "validation",
        "VAL-6",
        "offset or path",
        "DecodeError::Decode (SerdeDeCustom: TaskConstraintsError::ZeroTimeout)",
        "constraints timeout_secs is Some(0)",
    ),
    (
        "empty_concurrency_key",
        "validation",
        "VAL-7",
        "offset or path",
        "DecodeError::Decode (SerdeDeCustom: TaskConstraintsError::EmptyConcurrencyKey)",
        'constraints concurrency_key is Some("")',
    ),
    (
        "empty_capabilities",
        "validation",
        "VAL-8",
        "offset or path",
        "DecodeError::Decode (SerdeDeCustom: TaskConstraintsError::EmptyCapabilities)",
        "required_capabilities is Some([])",
    ),
    (
        "empty_capability_entry",
        "validation",
        "VAL-9",
        "offset or path",
        "DecodeError::Decode (SerdeDeCustom: TaskConstraintsError::EmptyCapabilityEntry)",
        'required_capabilities holds ""',
    ),
    (
        "nil_task_spec_id",
        "validation",
        "VAL-10",
        "offset or path",
        "DecodeError::Decode (SerdeDeCustom: TaskSpecError::InvalidTaskId)",
        "TaskSpec id is the nil UUID",
    ),
    (
        "nil_run_id",
        "validation",
        "VAL-12",
        "offset or path",
        "DecodeError::Decode (SerdeDeCustom: run_id must not be nil)",
        "RunInstance id is the nil UUID",
    ),
    (
        "nil_run_task_id",
        "validation",
        "VAL-13",
        "offset or path",
        "DecodeError::Decode (SerdeDeCustom: task_id must not be nil)",
        "RunInstance task_id is the nil UUID",
    ),
    (
        "attempt_outside_running",
        "validation",
        "VAL-14",
        "offset or path",
        "DecodeError::Decode (SerdeDeCustom: active attempt outside Running)",
        "active attempt on a run not Running",
    ),
    (
        "ready_schedule_causality",
        "validation",
        "VAL-16",
        "offset or path",
        "DecodeError::Decode (SerdeDeCustom: Ready state requires scheduled_at <= created_at)",
        "Ready run with scheduled_at > created_at",
    ),
    # encoding
    (
        "value_out_of_range",
        "encode",
        "ENC-21",
        "offset or path",
        "none: unrepresentable in the engine's types",
        "integer does not fit its wire type",
    ),
    (
        "invalid_value_type",
        "encode",
        "ENC-21",
        "offset or path",
        "none: unrepresentable in the engine's types",
        "value is not of the declared type",
    ),
    (
        "invalid_id",
        "encode",
        "ENC-12",
        "offset or path",
        "none: unrepresentable in the engine's types",
        "identifier is not 16 bytes",
    ),
    (
        "payload_too_large_to_write",
        "encode",
        "FRM-6",
        "offset or path",
        "EncodeError::PayloadTooLarge (above 2^32-1 bytes only)",
        "payload would exceed 268435456 bytes",
    ),
    (
        "variant_not_enabled",
        "encode",
        "ENC-19",
        "offset or path",
        "none: the variant does not exist without the feature",
        "variant needs a feature that is not enabled",
    ),
    # JSON / CBOR form
    (
        "form_syntax",
        "form",
        "JSN-1",
        "offset",
        "serde_json::Error (category Syntax or Eof)",
        "document is not well-formed JSON / CBOR",
    ),
    (
        "form_type_mismatch",
        "form",
        "JSN-2",
        "path",
        "serde_json::Error (category Data)",
        "a value has the wrong JSON/CBOR type",
    ),
    (
        "form_missing_field",
        "form",
        "JSN-3",
        "path",
        "serde_json::Error (category Data)",
        "a required field is absent",
    ),
    (
        "form_duplicate_key",
        "form",
        "JSN-4",
        "none",
        "serde_json::Error (category Data)",
        "an object repeats a key",
    ),
    (
        "form_unknown_variant",
        "form",
        "JSN-5",
        "path",
        "serde_json::Error (category Data)",
        "an enum tag names no variant",
    ),
    (
        "form_invalid_uuid",
        "form",
        "JSN-6",
        "path",
        "serde_json::Error (category Data)",
        "an identifier is not a UUID in an accepted form",
    ),
    (
        "form_out_of_range",
        "form",
        "JSN-7",
        "path",
        "serde_json::Error (category Data)",
        "an integer does not fit its declared type",
    ),
    # reducer (spec/reducer.md)
    (
        "sequence_not_increasing",
        "reducer",
        "RED-2",
        "none",
        "ReplayReducerError::InvalidTransition",
        "sequence not above the latest applied",
    ),
    (
        "duplicate_task",
        "reducer",
        "EVT-0",
        "none",
        "ReplayReducerError::DuplicateEvent",
        "TaskCreated for a task that exists",
    ),
    (
        "duplicate_run",
        "reducer",
        "EVT-1",
        "none",
        "ReplayReducerError::DuplicateEvent",
        "RunCreated for a run that exists",
    ),
    (
        "run_not_scheduled",
        "reducer",
        "EVT-1",
        "none",
        "ReplayReducerError::InvalidTransition",
        "RunCreated with a state other than Scheduled",
    ),
    (
        "unknown_run",
        "reducer",
        "RED-4",
        "none",
        "ReplayReducerError::InvalidTransition",
        "run event for a run that does not exist",
    ),
    (
        "previous_state_mismatch",
        "reducer",
        "EVT-2",
        "none",
        "ReplayReducerError::InvalidTransition",
        "previous_state is not the run's state",
    ),
    (
        "illegal_transition",
        "reducer",
        "RED-4",
        "none",
        "ReplayReducerError::InvalidTransition",
        "the transition is not in the table",
    ),
    (
        "attempt_in_progress",
        "reducer",
        "RED-5",
        "none",
        "ReplayReducerError::InvalidTransition",
        "leaving Running while an attempt is active",
    ),
    (
        "run_not_running",
        "reducer",
        "RED-5",
        "none",
        "ReplayReducerError::InvalidTransition",
        "attempt event for a run that is not Running",
    ),
    (
        "attempt_already_active",
        "reducer",
        "EVT-3",
        "none",
        "ReplayReducerError::InvalidTransition",
        "AttemptStarted while an attempt is active",
    ),
    (
        "attempt_count_overflow",
        "reducer",
        "EVT-3",
        "none",
        "ReplayReducerError::CorruptedData",
        "attempt_count would pass 2^32-1",
    ),
    (
        "no_active_attempt",
        "reducer",
        "EVT-4",
        "none",
        "ReplayReducerError::InvalidTransition",
        "AttemptFinished with no active attempt",
    ),
    (
        "attempt_mismatch",
        "reducer",
        "EVT-4",
        "none",
        "ReplayReducerError::InvalidTransition",
        "AttemptFinished for another attempt",
    ),
    (
        "attempt_already_finished",
        "reducer",
        "EVT-4",
        "none",
        "ReplayReducerError::CorruptedData",
        "first entry of that attempt id finished",
    ),
    (
        "unknown_task",
        "reducer",
        "EVT-5",
        "none",
        "ReplayReducerError::TaskCausality::UnknownTask",
        "TaskCanceled for a task that does not exist",
    ),
    (
        "task_already_canceled",
        "reducer",
        "EVT-5",
        "none",
        "ReplayReducerError::TaskCausality::AlreadyCanceled",
        "TaskCanceled for a canceled task",
    ),
    (
        "lease_unknown_run",
        "reducer",
        "RED-6",
        "none",
        "ReplayReducerError::LeaseCausality::UnknownRun",
        "lease event for a run that does not exist",
    ),
    (
        "lease_run_state",
        "reducer",
        "RED-6",
        "none",
        "ReplayReducerError::LeaseCausality::InvalidRunState",
        "lease event not allowed in the run's state",
    ),
    (
        "lease_already_active",
        "reducer",
        "EVT-7",
        "none",
        "ReplayReducerError::LeaseCausality::LeaseAlreadyActive",
        "LeaseAcquired while a lease is held",
    ),
    (
        "lease_missing",
        "reducer",
        "RED-6",
        "none",
        "ReplayReducerError::LeaseCausality::MissingActiveLease",
        "lease event but the run holds no lease",
    ),
    (
        "lease_owner_mismatch",
        "reducer",
        "RED-6",
        "none",
        "ReplayReducerError::LeaseCausality::OwnerMismatch",
        "lease event by another owner",
    ),
    (
        "lease_expiry_regressed",
        "reducer",
        "EVT-8",
        "none",
        "ReplayReducerError::LeaseCausality::NonMonotonicHeartbeatExpiry",
        "heartbeat moves the expiry backwards",
    ),
    (
        "lease_expiry_mismatch",
        "reducer",
        "RED-6",
        "none",
        "ReplayReducerError::LeaseCausality::ExpiryMismatch",
        "expire/release names another expiry",
    ),
    (
        "engine_already_paused",
        "reducer",
        "EVT-11",
        "none",
        "ReplayReducerError::EngineControlCausality::AlreadyPaused",
        "EnginePaused while paused",
    ),
    (
        "engine_not_paused",
        "reducer",
        "EVT-12",
        "none",
        "ReplayReducerError::EngineControlCausality::NotPaused",
        "EngineResumed while not paused",
    ),
    (
        "engine_resume_before_pause",
        "reducer",
        "EVT-12",
        "none",
        "ReplayReducerError::EngineControlCausality::ResumeBeforePause",
        "resume timestamp before the pause",
    ),
    # snapshot (spec/snapshot.md)
    (
        "snapshot_truncated",
        "snapshot",
        "SNP-4",
        "offset",
        "SnapshotLoaderError::DecodeError",
        "the 12-byte snapshot header is incomplete",
    ),
    (
        "snapshot_unsupported_version",
        "snapshot",
        "SNP-2",
        "offset",
        "SnapshotLoaderError::IncompatibleVersion",
        "snapshot frame version is not 4",
    ),
    (
        "snapshot_payload_too_large",
        "snapshot",
        "SNP-2",
        "offset",
        "SnapshotLoaderError::DecodeError",
        "payload longer than 268435456 bytes",
    ),
    (
        "snapshot_truncated_payload",
        "snapshot",
        "SNP-4",
        "offset",
        "SnapshotLoaderError::IoError",
        "fewer payload bytes than declared",
    ),
    (
        "snapshot_crc_mismatch",
        "snapshot",
        "SNP-2",
        "offset",
        "SnapshotLoaderError::CrcMismatch",
        "CRC-32 of the payload differs",
    ),
    (
        "snapshot_unreadable",
        "snapshot",
        "SNP-15",
        "none",
        "SnapshotLoaderError::IoError (recovery continues without the snapshot)",
        "the snapshot path is not a readable file",
    ),
    (
        "unsupported_schema_version",
        "snapshot",
        "SNP-5",
        "path",
        "SnapshotMappingError::UnsupportedSchemaVersion",
        "metadata.schema_version is not 8",
    ),
    (
        "task_count_mismatch",
        "snapshot",
        "SNP-7",
        "path",
        "SnapshotMappingError::TaskCountMismatch",
        "metadata.task_count differs from tasks",
    ),
    (
        "run_count_mismatch",
        "snapshot",
        "SNP-7",
        "path",
        "SnapshotMappingError::RunCountMismatch",
        "metadata.run_count differs from runs",
    ),
    (
        "duplicate_snapshot_task",
        "snapshot",
        "SNP-7",
        "path",
        "SnapshotMappingError::DuplicateTaskId",
        "a task id appears twice",
    ),
    (
        "task_canceled_before_created",
        "snapshot",
        "SNP-7",
        "path",
        "SnapshotMappingError::InvalidTaskCanceledAtCausality",
        "canceled_at earlier than created_at",
    ),
    (
        "run_attempt_lineage_count",
        "snapshot",
        "SNP-7",
        "path",
        "SnapshotMappingError::InvalidAttemptLineageCount",
        "active attempt with attempt_count 0",
    ),
    (
        "run_missing_initial_history",
        "snapshot",
        "SNP-7",
        "path",
        "SnapshotMappingError::MissingInitialRunStateHistory",
        "history does not start null->Scheduled",
    ),
    (
        "run_history_transition",
        "snapshot",
        "SNP-7",
        "path",
        "SnapshotMappingError::InvalidRunStateHistoryTransition",
        "history breaks the table or the run state",
    ),
    (
        "run_attempt_history_count",
        "snapshot",
        "SNP-7",
        "path",
        "SnapshotMappingError::InvalidAttemptHistoryCount",
        "attempt entries differ from attempt_count",
    ),
    (
        "run_active_attempt_history",
        "snapshot",
        "SNP-7",
        "path",
        "SnapshotMappingError::InvalidActiveAttemptHistory",
        "active attempt lacks one open entry",
    ),
    (
        "run_lease_presence",
        "snapshot",
        "SNP-7",
        "path",
        "SnapshotMappingError::InvalidLeasePresence",
        "lease on a run not Ready/Leased/Running",
    ),
    (
        "duplicate_snapshot_run",
        "snapshot",
        "SNP-7",
        "path",
        "SnapshotMappingError::DuplicateRunId",
        "a run id appears twice",
    ),
    (
        "run_unknown_task",
        "snapshot",
        "SNP-7",
        "path",
        "SnapshotMappingError::RunReferencesUnknownTask",
        "a run's task is not among the tasks",
    ),
    (
        "engine_paused_causality",
        "snapshot",
        "SNP-7",
        "path",
        "SnapshotMappingError::InvalidEnginePausedCausality",
        "paused without paused_at",
    ),
    (
        "engine_resumed_causality",
        "snapshot",
        "SNP-7",
        "path",
        "SnapshotMappingError::InvalidEngineResumedCausality",
        "inconsistent pause/resume timestamps",
    ),
    (
        "engine_pause_resume_ordering",
        "snapshot",
        "SNP-7",
        "path",
        "SnapshotMappingError::InvalidEnginePauseResumeOrdering",
        "resumed_at before paused_at",
    ),
    (
        "duplicate_dependency_declaration",
        "snapshot",
        "SNP-7",
        "path",
        "SnapshotMappingError::DuplicateDependencyDeclaration",
        "two declarations for a task",
    ),
    (
        "dependency_unknown_task",
        "snapshot",
        "SNP-7",
        "path",
        "SnapshotMappingError::DependencyDeclarationUnknownTask",
        "declaration for an unknown task",
    ),
    (
        "dependency_unknown_prerequisite",
        "snapshot",
        "SNP-7",
        "path",
        "SnapshotMappingError::DependencyReferencesUnknownTask",
        "prerequisite is an unknown task",
    ),
    (
        "duplicate_budget",
        "snapshot",
        "SNP-7",
        "path",
        "SnapshotMappingError::DuplicateBudgetAllocation",
        "two budgets for one task and dimension",
    ),
    (
        "budget_unknown_task",
        "snapshot",
        "SNP-7",
        "path",
        "SnapshotMappingError::BudgetReferencesUnknownTask",
        "budget for an unknown task",
    ),
    (
        "duplicate_subscription",
        "snapshot",
        "SNP-7",
        "path",
        "SnapshotMappingError::DuplicateSubscriptionId",
        "a subscription id appears twice",
    ),
    (
        "subscription_unknown_task",
        "snapshot",
        "SNP-7",
        "path",
        "SnapshotMappingError::SubscriptionReferencesUnknownTask",
        "subscription for an unknown task",
    ),
    (
        "snapshot_bootstrap_failed",
        "snapshot",
        "SNP-9",
        "none",
        "RecoveryBootstrapError::SnapshotBootstrap (recovery continues without the snapshot)",
        "synthesizing the snapshot's events failed",
    ),
    (
        "snapshot_ahead_of_wal",
        "snapshot",
        "SNP-12",
        "none",
        "RecoveryBootstrapError::SnapshotBootstrap",
        "wal_sequence beyond the WAL's last record",
    ),
    # WAL files: the engine's reason codes (spec/wal-files.md)
    (
        "incomplete_header",
        "wal",
        "WAL-3",
        "offset",
        "WalCorruptionReasonCode::IncompleteHeader",
        "fewer than 12 bytes left for a record header",
    ),
    (
        "incomplete_payload",
        "wal",
        "WAL-3",
        "offset",
        "WalCorruptionReasonCode::IncompletePayload",
        "the file ends inside a record's payload",
    ),
    (
        "unsupported_version",
        "wal",
        "WAL-3",
        "offset",
        "WalCorruptionReasonCode::UnsupportedVersion",
        "the record's version is not 5",
    ),
    (
        "decode_failure",
        "wal",
        "WAL-3",
        "offset",
        "WalCorruptionReasonCode::DecodeFailure",
        "the record cannot be decoded (or is over 256 MiB)",
    ),
    (
        "crc_mismatch",
        "wal",
        "WAL-3",
        "offset",
        "WalCorruptionReasonCode::CrcMismatch",
        "the record's payload CRC-32 differs from its header",
    ),
    (
        "mid_file_corruption",
        "wal",
        "WAL-8",
        "offset",
        "none: the engine's TruncatePartial truncates instead",
        "a corrupt record is followed by valid records",
    ),
    # type registries and the Rust source they are extracted from (spec/versioning.md)
    (
        "registry_invalid",
        "schema",
        "VER-13",
        "none",
        "none: tooling for reviewing format changes",
        "a registry document breaks the registry format",
    ),
    (
        "registry_cycle",
        "schema",
        "VER-14",
        "none",
        "none: tooling for reviewing format changes",
        "a registry type contains itself",
    ),
    (
        "source_syntax",
        "schema",
        "VER-15",
        "none",
        "none: tooling for reviewing format changes",
        "a Rust file or Cargo.toml cannot be parsed",
    ),
    (
        "source_unresolved",
        "schema",
        "VER-15",
        "none",
        "none: tooling for reviewing format changes",
        "a type or constant is not in the source tree",
    ),
    (
        "source_ambiguous",
        "schema",
        "VER-15",
        "none",
        "none: tooling for reviewing format changes",
        "a name means more than one type",
    ),
    (
        "source_unsupported",
        "schema",
        "VER-16",
        "none",
        "none: tooling for reviewing format changes",
        "a Rust construct has no registry form",
    ),
    # the conformance protocol (spec/conformance-protocol.md)
    (
        "request_malformed",
        "protocol",
        "CP-13",
        "none",
        "none: answered by implementations under test, not by the engine",
        "a conformance-protocol request body is not a CBOR map within CP-2, lacks a member or "
        "has one of the wrong type",
    ),
)


def error_for(
    code: str, message: str, *, offset: int | None = None, path: str | None = None
) -> AqwalError:
    """Build an error of the category class that owns ``code``."""
    cls = _CATEGORY_CLASSES[ERROR_CODES[code].category]
    return cls(code, message, offset=offset, path=path)


#: The format name of spec/registry/errors.json.
ERRORS_REGISTRY_FORMAT = "aqwal-errors/1"


def errors_registry_text() -> str:
    """spec/registry/errors.json: the table of ERR-2 as JSON, one code per line."""
    head = json.dumps({"format": ERRORS_REGISTRY_FORMAT})[:-1]
    rows = [
        json.dumps(
            {
                "code": e.code,
                "category": e.category,
                "clause": e.clause,
                "location": e.location,
                "engine": e.engine,
                "meaning": e.summary,
            },
            ensure_ascii=False,
        )
        for e in ERROR_CODES.values()
    ]
    return head + ', "codes": [\n  ' + ",\n  ".join(rows) + "\n]}\n"
