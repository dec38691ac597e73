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
    ("unsupported_version", "frame", "FRM-2", "header version is not 5"),
    ("payload_too_large", "frame", "FRM-6", "declared payload length exceeds 268435456 bytes"),
    ("frame_length_exceeds_buffer", "frame", "FRM-4", "declared length runs past the input"),
    ("empty_payload", "frame", "FRM-5", "declared payload length is 0"),
    ("crc_mismatch", "frame", "FRM-3", "CRC-32 of the payload differs from the header"),
    ("trailing_frame_bytes", "frame", "FRM-7", "bytes follow the single record that was asked for"),
    # payload structure
    ("unexpected_end", "decode", "ENC-16", "input ended inside a value"),
    ("varint_overflow", "decode", "ENC-3", "varint longer than its type allows or too large"),
    ("non_canonical_varint", "decode", "ENC-4", "varint has redundant trailing zero groups"),
    ("invalid_bool", "decode", "ENC-7", "bool byte other than 0x00 or 0x01"),
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
)


def error_for(
    code: str, message: str, *, offset: int | None = None, path: str | None = None
) -> AqwalError:
    """Build an error of the category class that owns ``code``."""
    cls = _CATEGORY_CLASSES[ERROR_CODES[code].category]
    return cls(code, message, offset=offset, path=path)
