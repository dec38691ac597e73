"""Records written by the real engine decode to the engine's JSON, and re-encode byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from aqwal.codec import decode_record, encode_record
from aqwal.forms import JSON_FORM, parse_json_text, to_json_text

SAMPLES = Path(__file__).parent / "data" / "upstream"
BINS = sorted(SAMPLES.glob("*.bin"))


def test_one_sample_per_variant() -> None:
    names = {p.stem.split("_", 1)[1] for p in BINS}
    assert len(names) == 31


@pytest.mark.parametrize("path", BINS, ids=lambda p: p.stem)
def test_engine_record_decodes_to_engine_json(path: Path) -> None:
    # spec: FRM-1, ENC-1, JSN-1
    data = path.read_bytes()
    expected_json = path.with_suffix(".json").read_text(encoding="utf-8")
    event = decode_record(data)
    assert to_json_text(JSON_FORM.dump("WalEvent", event)) == expected_json


@pytest.mark.parametrize("path", BINS, ids=lambda p: p.stem)
def test_engine_json_encodes_to_engine_bytes(path: Path) -> None:
    # spec: ENC-20
    event = JSON_FORM.load(
        "WalEvent", parse_json_text(path.with_suffix(".json").read_text(encoding="utf-8"))
    )
    assert encode_record(event) == path.read_bytes()
