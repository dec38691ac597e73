"""Encode vectors: CBOR-form documents to records, and the form errors of the encoder."""

from __future__ import annotations

from collections.abc import Iterator

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
            "CBR-2",
        ),
        (
            "sequence-2^64",
            {"sequence": 2**64, "event": base["event"]},
            "form_out_of_range",
            "JSN-7",
        ),
        (
            "negative-timestamp",
            {"sequence": 1, "event": {"TaskCanceled": {"task_id": uid(1, 1), "timestamp": -1}}},
            "form_out_of_range",
            "ENC-21",
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
            (clause, "CBR-5"),
            error=code,
        )
