"""Round-trip properties for every declared type and all 31 variants (spec: ENC-20, JSN, CBR)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aqwal.codec import (
    decode_payload,
    decode_record,
    decode_value,
    encode_payload,
    encode_record,
    encode_value,
)
from aqwal.declarations import WAL_V5
from aqwal.forms import (
    CBOR_FORM,
    JSON_FORM,
    parse_cbor_bytes,
    parse_json_text,
    to_cbor_bytes,
    to_json_text,
)
from aqwal.postcard_codec import DECODERS
from aqwal.schema import Enum
from aqwal_conformance.strategies import values, wal_events

VARIANTS = [v.name for v in WAL_V5.enum("WalEventType").variants]
TYPES = sorted(DECODERS)


def test_thirty_one_variants() -> None:
    assert len(VARIANTS) == 31
    assert [v.index for v in WAL_V5.enum("WalEventType").variants] == list(range(31))


@pytest.mark.parametrize("variant", VARIANTS)
@given(data=st.data())
def test_variant_round_trips(variant: str, data: st.DataObject) -> None:
    event = data.draw(wal_events(variant))
    payload = encode_payload(event)
    assert decode_payload(payload) == event
    record = encode_record(event)
    assert decode_record(record) == event
    assert encode_record(decode_record(record)) == record
    # the JSON form is the serde_json text; the CBOR form is deterministic CBOR
    text = to_json_text(JSON_FORM.dump("WalEvent", event))
    assert JSON_FORM.load("WalEvent", parse_json_text(text)) == event
    cbor = to_cbor_bytes(CBOR_FORM.dump("WalEvent", event))
    assert CBOR_FORM.load("WalEvent", parse_cbor_bytes(cbor)) == event


def _has_feature_variant(type_name: str) -> bool:
    """Whether a value of the type can hold a variant that exists only with a feature."""
    for name in WAL_V5.reachable(type_name):
        d = WAL_V5[name]
        if isinstance(d, Enum) and any(v.feature is not None for v in d.variants):
            return True
    return False


#: Every type in the default profile; with the workflow feature on, the types whose values it
#: changes. For any other type the feature changes neither the values drawn nor a byte read or
#: written, so a second run would only repeat the first with other examples.
PROFILES = [pytest.param(name, False, id=f"default-{name}") for name in TYPES] + [
    pytest.param(name, True, id=f"workflow-{name}") for name in TYPES if _has_feature_variant(name)
]


def test_the_workflow_profile_runs_for_the_types_with_a_feature_variant() -> None:
    assert {p.values[0] for p in PROFILES if p.values[1]} == {
        "RunPolicy",
        "TaskSpec",
        "WalEvent",
        "WalEventType",
    }


@pytest.mark.parametrize(("type_name", "workflow"), PROFILES)
@given(data=st.data())
def test_type_round_trips(type_name: str, workflow: bool, data: st.DataObject) -> None:
    value: Any = data.draw(values(type_name, workflow=workflow))
    raw = encode_value(type_name, value, workflow=workflow)
    assert decode_value(type_name, raw, workflow=workflow) == value
    assert (
        JSON_FORM.load(type_name, parse_json_text(to_json_text(JSON_FORM.dump(type_name, value))))
        == value
    )
    assert (
        CBOR_FORM.load(type_name, parse_cbor_bytes(to_cbor_bytes(CBOR_FORM.dump(type_name, value))))
        == value
    )


@given(event=wal_events())
def test_encoding_is_deterministic(event: Any) -> None:
    # spec: ENC-20
    assert encode_record(event) == encode_record(event)
    assert to_cbor_bytes(CBOR_FORM.dump("WalEvent", event)) == to_cbor_bytes(
        CBOR_FORM.dump("WalEvent", decode_record(encode_record(event)))
    )
