"""Encode vectors for the CBOR form a writer reads (spec: CBR-2 .. CBR-5, JSN-7).

The CBOR form is stricter than the JSON form: identifiers and byte vectors are byte strings,
never text or arrays, and a struct is a map, never a positional array. Integers must fit their
type, with both ends of each range written out: u8 (a budget threshold), u32 and u64.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aqwal import types as t
from aqwal.forms import CBOR_FORM, to_cbor_bytes
from aqwal_conformance.scenarios import uid
from aqwal_conformance.vectorgen.builders import RS
from aqwal_conformance.vectors import Vector


def _threshold(pct: int) -> dict[str, Any]:
    event = t.SubscriptionCreated(
        t.SubscriptionId(uid(7, 1)),
        t.TaskId(uid(1, 1)),
        t.EventFilterBudgetThreshold(t.TaskId(uid(1, 1)), t.BudgetDimension.Token, 0),
        5,
    )
    doc: dict[str, Any] = CBOR_FORM.dump("WalEvent", t.WalEvent(1, event))
    doc["event"]["SubscriptionCreated"]["filter"]["BudgetThreshold"]["threshold_pct"] = pct
    return doc


def _run_created() -> dict[str, Any]:
    instance = t.RunInstance(
        t.RunId(uid(2, 1)), t.TaskId(uid(1, 1)), RS.Scheduled, None, 0, 5, 5, 0, 5
    )
    doc: dict[str, Any] = CBOR_FORM.dump("WalEvent", t.WalEvent(1, t.RunCreated(instance)))
    return doc


def cbor_form_vectors() -> Iterator[Vector]:
    for pct in (0, 255):
        yield Vector(
            f"encode/form-u8-{pct}",
            "encode",
            f"a u8 at the end of its range ({pct})",
            "valid",
            to_cbor_bytes(_threshold(pct)),
            ("CBR-2", "JSN-7"),
        )
    refused: list[tuple[str, str, dict[str, Any], str]] = [
        ("u8-256", "a u8 of 256", _threshold(256), "form_out_of_range"),
        ("u8-negative", "a u8 of -1", _threshold(-1), "form_out_of_range"),
    ]
    doc = _run_created()
    doc["event"]["RunCreated"]["run_instance"]["attempt_count"] = -1
    refused.append(("u32-negative", "a u32 of -1", doc, "form_out_of_range"))
    doc = _run_created()
    doc["event"]["RunCreated"]["run_instance"]["attempt_count"] = 2**32
    refused.append(("u32-2^32", "a u32 of 2^32", doc, "form_out_of_range"))
    doc = _run_created()
    doc["event"]["RunCreated"]["run_instance"]["id"] = "00000000-0000-4000-8000-000000000001"
    refused.append(
        ("uuid-as-text", "an identifier written as UUID text", doc, "form_type_mismatch")
    )
    ledger = t.LedgerEntryAppended(
        t.LedgerEntryId(uid(10, 1)), t.TenantId(uid(8, 1)), "k", None, b"\x01", 5
    )
    doc = CBOR_FORM.dump("WalEvent", t.WalEvent(1, ledger))
    doc["event"]["LedgerEntryAppended"]["payload"] = "\x01"
    refused.append(("bytes-as-text", "a byte vector written as text", doc, "form_type_mismatch"))
    doc = CBOR_FORM.dump("WalEvent", t.WalEvent(1, ledger))
    doc["event"]["LedgerEntryAppended"]["payload"] = [1]
    refused.append(
        ("bytes-as-array", "a byte vector written as an array", doc, "form_type_mismatch")
    )
    refused.append(
        (
            "positional-struct",
            "a struct written as an array of its fields (only the JSON form allows it)",
            {"sequence": 1, "event": {"TaskCanceled": [uid(1, 1), 5]}},
            "form_type_mismatch",
        )
    )
    for name, description, document, code in refused:
        yield Vector(
            f"encode/form-{name}",
            "encode",
            f"refused: {description}",
            "invalid",
            to_cbor_bytes(document),
            ("CBR-2", "CBR-5", "JSN-7"),
            error=code,
        )
