"""Encode vectors: CBOR-form documents to records, and the form errors of the encoder."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aqwal import types as t
from aqwal.forms import CBOR_FORM, to_cbor_bytes
from aqwal_conformance.scenarios import task_spec, uid
from aqwal_conformance.valuegen import event_values
from aqwal_conformance.vectorgen.builders import (
    VARIANTS,
)
from aqwal_conformance.vectors import Vector


def encode_vectors() -> Iterator[Vector]:
    """Value (CBOR form) to record bytes, for every variant, and the refusals."""
    for variant in VARIANTS:
        for shape, event in list(event_values(variant))[:3]:
            yield Vector(
                f"encode/{variant}-{shape}",
                "encode",
                f"encode {variant} ({shape})",
                "valid",
                to_cbor_bytes(CBOR_FORM.dump("WalEvent", event)),
                ("ENC-2", "ENC-20", "FRM-1", "FRM-3", "CBR-2"),
            )
    cron = t.WalEvent(
        1,
        t.TaskCreated(
            task_spec(uid(1, 1))._replace(
                run_policy=t.RunPolicyCron(t.CronPolicy("0 * * * * *", None))
            ),
            0,
        ),
    )
    form = CBOR_FORM.dump("WalEvent", cron)
    yield Vector(
        "encode/cron-default-profile",
        "encode",
        "Cron cannot be written without the workflow feature",
        "invalid",
        to_cbor_bytes(form),
        ("ENC-19",),
        error="variant_not_enabled",
    )
    yield Vector(
        "encode/cron-none-tagged",
        "encode",
        "Cron with max_occurrences None is written with its Option tag 00 (unlike the engine)",
        "valid",
        to_cbor_bytes(form),
        ("ENC-18",),
        options={"profile": "workflow"},
    )
    base = CBOR_FORM.dump("WalEvent", t.WalEvent(1, t.TaskCanceled(t.TaskId(uid(1, 1)), 5)))
    cases: list[tuple[str, object, str, str]] = [
        ("type-mismatch", {"sequence": "1", "event": base["event"]}, "form_type_mismatch", "JSN-2"),
        ("missing-field", {"event": base["event"]}, "form_missing_field", "JSN-3"),
        (
            "unknown-variant",
            {"sequence": 1, "event": {"TaskDeleted": {}}},
            "form_unknown_variant",
            "JSN-5",
        ),
        (
            "short-identifier",
            {"sequence": 1, "event": {"TaskCanceled": {"task_id": b"\x01" * 15, "timestamp": 5}}},
            "form_invalid_uuid",
            "ENC-23",
        ),
        (
            "sequence-2^64",
            {"sequence": 2**64, "event": base["event"]},
            "form_out_of_range",
            "CBR-7",
        ),
        (
            "negative-timestamp",
            {"sequence": 1, "event": {"TaskCanceled": {"task_id": uid(1, 1), "timestamp": -1}}},
            "form_out_of_range",
            "ENC-23",
        ),
    ]
    bad_spec = task_spec(uid(1, 1))._replace(
        constraints=task_spec(uid(1, 1)).constraints._replace(max_attempts=0)
    )
    yield Vector(
        "encode/breaks-val-5",
        "encode",
        "a TaskSpec with max_attempts 0 is not written",
        "invalid",
        to_cbor_bytes(CBOR_FORM.dump("WalEvent", t.WalEvent(1, t.TaskCreated(bad_spec, 0)))),
        ("ENC-22", "VAL-5"),
        error="invalid_max_attempts",
    )
    for name, doc, code, clause in cases:
        yield Vector(
            f"encode/{name}",
            "encode",
            f"a value breaking {clause}",
            "invalid",
            to_cbor_bytes(doc),
            (clause, "CBR-5", "JSN-7" if code == "form_out_of_range" else "JSN-2"),
            error=code,
        )
    yield from _cbor_items(base)
    yield from _two_errors()


def _with_item(doc: dict[str, Any], marker: int, item: str) -> bytes:
    """The CBOR form of ``doc`` with the integer ``marker`` replaced by the raw item ``item``."""
    data = to_cbor_bytes(doc)
    raw = to_cbor_bytes(marker)
    assert data.count(raw) == 1
    return data.replace(raw, bytes.fromhex(item.replace(" ", "")))


def _cbor_items(base: dict[str, Any]) -> Iterator[Vector]:
    """CBOR items the form never contains, where an integer or an Option is declared (CBR-7)."""
    marker = 0x0DEFACED
    at_sequence = {"sequence": marker, "event": base["event"]}
    cases = [
        ("bignum-in-range", "c2 41 05", None, "tag 2 around 05 is the integer 5"),
        ("bignum-2^64", "c2 49 01 00 00 00 00 00 00 00 00", "form_out_of_range", "2^64 as tag 2"),
        ("negative-bignum", "c3 41 00", "form_out_of_range", "tag 3 around 00 is -1"),
        ("tag-1", "c1 05", "form_type_mismatch", "tag 1 (an epoch date) around 5"),
        ("unassigned-tag", "d8 63 05", "form_type_mismatch", "tag 99 around 5"),
        ("half-float-1.0", "f9 3c 00", "form_type_mismatch", "1.0 as a half-precision float"),
        ("double-1.0", "fb 3f f0 00 00 00 00 00 00", "form_type_mismatch", "1.0 as a double"),
        ("undefined", "f7", "form_type_mismatch", "undefined"),
        ("simple-16", "f0", "form_type_mismatch", "simple value 16"),
        ("null", "f6", "form_type_mismatch", "null where no Option is declared"),
    ]
    for name, item, code, what in cases:
        yield Vector(
            f"encode/cbor-sequence-{name}",
            "encode",
            f"sequence given as {what}",
            "invalid" if code else "valid",
            _with_item(at_sequence, marker, item),
            ("CBR-7", "CBR-5", "ENC-23"),
            error=code,
        )
    suspended = {
        "sequence": 1,
        "event": {"RunSuspended": {"run_id": uid(2, 1), "reason": marker, "timestamp": 5}},
    }
    yield Vector(
        "encode/cbor-undefined-option",
        "encode",
        "undefined where an Option is declared: undefined is not null",
        "invalid",
        _with_item(suspended, marker, "f7"),
        ("CBR-7", "CBR-5"),
        error="form_type_mismatch",
    )
    yield Vector(
        "encode/cbor-integer-key",
        "encode",
        "a WalEvent map with an integer key besides its two fields",
        "invalid",
        to_cbor_bytes({1: 2, **base}),
        ("CBR-7", "CBR-2"),
        error="form_type_mismatch",
    )


def _two_errors() -> Iterator[Vector]:
    """Documents with two errors: the first in declaration order is reported (JSN-13)."""
    short_id = {"TaskCanceled": {"task_id": b"x", "timestamp": 5}}
    bad_spec = task_spec(uid(1, 1))._replace(
        constraints=task_spec(uid(1, 1)).constraints._replace(max_attempts=0)
    )
    created = CBOR_FORM.dump("WalEvent", t.WalEvent(1, t.TaskCreated(bad_spec, 0)))
    created["event"]["TaskCreated"]["timestamp"] = "x"
    cases: list[tuple[str, str, dict[str, Any], str]] = [
        (
            "sequence-before-event",
            "a text sequence and a one-byte identifier: sequence is declared first, although "
            "event sorts first in the CBOR form",
            {"sequence": "1", "event": short_id},
            "form_type_mismatch",
        ),
        (
            "missing-before-mistyped",
            "task_id absent and timestamp a string: the absent field is declared first",
            {"sequence": 1, "event": {"TaskCanceled": {"timestamp": "x"}}},
            "form_missing_field",
        ),
        (
            "nested-rule-before-later-field",
            "a TaskSpec breaking VAL-5 and a text timestamp: the TaskSpec's rules run when it is "
            "complete, before the timestamp is read",
            created,
            "invalid_max_attempts",
        ),
    ]
    for name, description, doc, code in cases:
        yield Vector(
            f"encode/two-errors-{name}",
            "encode",
            description,
            "invalid",
            to_cbor_bytes(doc),
            ("JSN-13", "CBR-5", "ENC-23"),
            error=code,
        )
