"""Judging one response against a vector's expected outcome (spec: CP-7), and the conformance
level it reaches (spec: CP-12).

A response first has the shape its kind prescribes (CP-4, CP-7 rule 7); a malformed one fails
whatever it holds. A conforming response is then graded: ``exact`` when it gives the exact
error code and every offset and path the expected outcome defines, ``code`` when it gives the
exact code but leaves out (or misplaces a path of) a location, ``outcome`` when it answers an
error's category only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cbor2

from aqwal.errors import ERROR_CODES
from aqwal.forms import to_cbor_bytes
from aqwal_conformance.iut import show
from aqwal_conformance.protocol import REQUEST_MALFORMED
from aqwal_conformance.snapshotfile import snapshot_difference
from aqwal_conformance.vectors import Vector

#: The conformance levels, lowest first (spec: CP-12).
LEVELS = ("outcome", "code", "exact")
CATEGORY_OF = {code: row.category for code, row in ERROR_CODES.items()}


@dataclass
class Verdict:
    """``reason`` is None when the response conforms; ``level`` is then the level it reached
    and ``shortfall`` says why it is not higher."""

    reason: str | None
    level: str = "exact"
    shortfall: str = ""

    def cap(self, level: str, why: str) -> None:
        if LEVELS.index(level) < LEVELS.index(self.level):
            self.level, self.shortfall = level, why


class Malformed(Exception):
    """The response lacks a member the rules compare, or has it with the wrong type."""


def judge(v: Vector, expected: dict[str, Any], response: dict[str, Any]) -> Verdict:
    """The verdict on one response (spec: CP-7) and the level it reached (spec: CP-12)."""
    verdict = Verdict(None)
    try:
        error = _error_member(response)
        if v.category == "request":
            verdict.reason = _judge_probe(expected, response, error, verdict)
        elif error is not None and error["code"] == REQUEST_MALFORMED:
            message = error.get("message")
            verdict.reason = "the IUT refused the request as malformed [CP-13]" + (
                f": {show(message)}" if isinstance(message, str) else ""
            )
        elif v.category in ("codec", "frame", "compat", "encode") or (
            v.category == "snapshot" and "state" not in expected
        ):
            verdict.reason = _judge_outcome(v, expected, response, error, verdict)
        elif v.result == "acceptable" and v.error is not None and error is not None:
            # an acceptable input may also be refused, with the index's code
            verdict.reason = _judge_error({"code": v.error}, error, verdict)
        elif v.category == "wal":
            verdict.reason = _judge_wal(expected, response, verdict)
        elif v.category == "write":
            verdict.reason = _judge_write(expected, response, error, verdict)
        else:
            verdict.reason = _judge_state(expected, response, error, verdict)
    except Malformed as exc:
        verdict.reason = f"malformed response (CP-7 rule 7): {exc}"
    return verdict


def code_matches(expected: str | None, actual: Any) -> tuple[bool, bool]:
    """(matches, coarse): an IUT may answer the code's category instead (spec: CP-7 rule 2)."""
    if actual == expected:
        return True, False
    if expected is not None and actual == CATEGORY_OF.get(expected):
        return True, True
    return False, False


def _same(a: Any, b: Any) -> bool:
    return bool(to_cbor_bytes(a) == to_cbor_bytes(b))


# ---------------------------------------------------------------------------------------------
# shapes (spec: CP-4, CP-7 rule 7)


_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "a boolean"),
    (int, "an integer"),
    (float, "a float"),
    (str, "a text string"),
    (bytes, "a byte string"),
    (list, "an array"),
    (dict, "a map"),
    (cbor2.CBORTag, "a tag"),
)


def _describe(value: Any) -> str:
    default = "null" if value is None else "a simple value"
    return next((name for kind, name in _KINDS if isinstance(value, kind)), default)


def is_uint(value: Any) -> bool:
    return type(value) is int and value >= 0


def _member(doc: dict[str, Any], key: str, where: str = "") -> Any:
    if key not in doc:
        raise Malformed(f"{where}{key} is missing")
    return doc[key]


def _typed(value: Any, ok: bool, name: str, wanted: str) -> Any:
    if not ok:
        raise Malformed(f"{name} is {_describe(value)}, not {wanted}")
    return value


def _error_member(response: dict[str, Any]) -> dict[str, Any] | None:
    """The response's ``error`` (None when absent or null), checked against its shape."""
    error: dict[str, Any] | None = response.get("error")
    if error is None:
        return None
    _typed(error, isinstance(error, dict), "error", "a map")
    _typed(_member(error, "code", "error."), isinstance(error["code"], str), "error.code", "text")
    for key, check, wanted in (("offset", is_uint, "an unsigned integer"), ("path", None, "text")):
        value = error.get(key)
        if value is not None:
            ok = check(value) if check is not None else isinstance(value, str)
            _typed(value, ok, f"error.{key}", wanted)
    message = error.get("message")
    if message is not None:
        _typed(message, isinstance(message, str), "error.message", "text")
    return error


# ---------------------------------------------------------------------------------------------
# rules


def _judge_outcome(
    v: Vector,
    expected: dict[str, Any],
    response: dict[str, Any],
    error: dict[str, Any] | None,
    verdict: Verdict,
) -> str | None:
    """Decoding, encoding and snapshot loading that must fail (spec: CP-7 rules 4 and 5)."""
    value_key = "record" if v.category == "encode" else "value"
    want_error: Any = expected.get("error")
    if want_error is None and v.result == "acceptable" and v.error is not None:
        want_error = {"code": v.error}  # the reference accepts, a stricter reader may refuse
    if error is not None:
        if want_error is None:
            return f"rejected with {show(error['code'])}, expected acceptance"
        return _judge_error(want_error, error, verdict)
    if v.category == "snapshot":
        return f"accepted, expected {want_error['code']!r}"
    value = _member(response, value_key)
    if value_key == "record":
        _typed(value, isinstance(value, bytes), "record", "a byte string")
    if value_key not in expected:
        return f"accepted, expected {want_error['code']!r}"
    if not _same(value, expected[value_key]):
        return f"{value_key} differs from the expected one"
    return None


def _judge_probe(
    expected: dict[str, Any],
    response: dict[str, Any],
    error: dict[str, Any] | None,
    verdict: Verdict,
) -> str | None:
    """A request body that breaks CP-2 must be refused as malformed, a well-formed ``hello``
    request answered as one, whatever its encoding (spec: CP-13, CP-7 rule 9)."""
    if "error" not in expected:
        if error is not None:
            return f"refused a well-formed request with {show(error['code'])}"
        protocol = _member(response, "protocol")
        return None if _same(protocol, 1) else f"answered protocol {show(protocol)}, expected 1"
    if error is None:
        return f"answered {show(response)}, expected the refusal {expected['error']['code']!r}"
    return _judge_error(expected["error"], error, verdict)


def _judge_error(want: dict[str, Any], got: dict[str, Any], verdict: Verdict) -> str | None:
    """An error answer: its code (or category), offset and path (spec: CP-7 rules 2, 3)."""
    code = want["code"]
    ok, coarse = code_matches(code, got["code"])
    if not ok:
        return f"error {show(got['code'])}, expected {code!r}"
    if coarse:
        verdict.cap("outcome", f"error {got['code']!r} is the category of {code!r}")
    offset = got.get("offset")
    if "offset" in want:
        want_offset = want["offset"]
        if want_offset is None and offset is not None:
            return f"error offset {offset}, but {code!r} defines none here"
        if want_offset is not None:
            if offset is None:
                verdict.cap("code", f"no error offset, expected {want_offset}")
            elif offset != want_offset:
                return f"error offset {offset}, expected {want_offset}"
    want_path = want.get("path")
    if want_path is not None:
        path = got.get("path")
        if path is None:
            verdict.cap("code", f"no error path, expected {want_path!r}")
        elif path != want_path:
            verdict.cap("code", f"error path {show(path)}, expected {want_path!r}")
    return None


def is_uint_or_null(value: Any) -> bool:
    return value is None or is_uint(value)


_WAL_MEMBERS = (
    ("records", is_uint, "an unsigned integer"),
    ("first_sequence", is_uint_or_null, "null or an unsigned integer"),
    ("last_sequence", is_uint, "an unsigned integer"),
    ("max_sequence", is_uint, "an unsigned integer"),
    ("valid_end", is_uint, "an unsigned integer"),
    ("tail", lambda x: isinstance(x, str), "text"),
    ("truncate_partial", lambda x: isinstance(x, dict), "a map"),
)


def _judge_wal(expected: dict[str, Any], response: dict[str, Any], verdict: Verdict) -> str | None:
    """Tail validation and the truncate-partial repair (spec: CP-7 rule 6)."""
    for key, check, wanted in _WAL_MEMBERS:
        _typed(_member(response, key), check(response[key]), key, wanted)
    got: Any = _member(response, "corruption")
    if got is not None:
        _typed(got, isinstance(got, dict), "corruption", "null or a map")
        code, offset = _member(got, "code", "corruption."), _member(got, "offset", "corruption.")
        _typed(code, isinstance(code, str), "corruption.code", "text")
        _typed(offset, is_uint(offset), "corruption.offset", "an unsigned integer")
        cause, cause_offset = got.get("cause"), got.get("cause_offset")
        if cause is not None:
            _typed(cause, isinstance(cause, str), "corruption.cause", "text")
        if cause_offset is not None:
            ok = is_uint(cause_offset)
            _typed(cause_offset, ok, "corruption.cause_offset", "an unsigned integer")
    resumes = response.get(NEXT_VALID, _ABSENT)
    if resumes is not _ABSENT:
        _typed(resumes, is_uint_or_null(resumes), NEXT_VALID, "null or an unsigned integer")
    for key, _check, _wanted in _WAL_MEMBERS:
        if not _same(response[key], expected[key]):
            return f"{key} {show(response[key])}, expected {expected[key]!r}"
    reason = _judge_next_valid(expected, resumes, verdict)
    if reason is not None:
        return reason
    reason = _judge_non_increasing(expected, response.get(NON_INCREASING, _ABSENT), verdict)
    if reason is not None:
        return reason
    want: Any = expected["corruption"]
    if want is None or got is None:
        return None if want is got else f"corruption {show(got)}, expected {want!r}"
    if (got["code"], got["offset"]) != (want["code"], want["offset"]):
        return (
            f"corruption {show(got['code'])} at {got['offset']}, expected "
            f"{want['code']!r} at {want['offset']}"
        )
    return _judge_cause(want, got, verdict)


NEXT_VALID = "next_valid_offset"
_ABSENT = object()


def _judge_next_valid(expected: dict[str, Any], got: Any, verdict: Verdict) -> str | None:
    """Where the next valid record after a mid-file corruption starts (spec: WAL-5, CP-7 rule
    6): a response may leave it out, which keeps the case below ``exact``; given, it must be
    the expected offset, or null for a clean or torn file."""
    if NEXT_VALID not in expected:
        return None
    want = expected[NEXT_VALID]
    if got is _ABSENT:
        if want is not None:
            verdict.cap("code", f"no {NEXT_VALID}, expected {want}")
        return None
    if got != want:
        return f"{NEXT_VALID} {show(got)}, expected {want!r}"
    return None


NON_INCREASING = "non_increasing_sequences"


def _is_sequence_row(row: Any) -> bool:
    return (
        isinstance(row, dict)
        and len(row) == 2
        and is_uint(row.get("offset"))
        and is_uint(row.get("sequence"))
    )


def _judge_non_increasing(expected: dict[str, Any], got: Any, verdict: Verdict) -> str | None:
    """The records whose sequence does not increase over the previous record's, the first
    100 of them in file order (spec: WAL-6, CP-7 rule 6): a response may leave the list out,
    which keeps a case whose list is not empty below ``exact``; given, it must be the
    expected list."""
    if NON_INCREASING not in expected:
        return None
    want: list[dict[str, int]] = expected[NON_INCREASING]
    if got is _ABSENT:
        if want:
            verdict.cap("code", f"no {NON_INCREASING}, expected {len(want)} record(s)")
        return None
    ok = isinstance(got, list) and all(map(_is_sequence_row, got))
    _typed(got, ok, NON_INCREASING, "an array of {offset, sequence} maps of unsigned integers")
    for i, (row, wanted) in enumerate(zip(got, want, strict=False)):
        if (row["offset"], row["sequence"]) != (wanted["offset"], wanted["sequence"]):
            return (
                f"{NON_INCREASING}[{i}] is sequence {row['sequence']} at offset "
                f"{row['offset']}, expected sequence {wanted['sequence']} at offset "
                f"{wanted['offset']}"
            )
    if len(got) != len(want):
        return f"{NON_INCREASING} lists {len(got)} record(s), expected {len(want)}"
    return None


def _judge_cause(want: dict[str, Any], got: dict[str, Any], verdict: Verdict) -> str | None:
    """The cause of a corruption: an error code and its offset (spec: WAL-3, CP-7 rule 6)."""
    if "cause" not in want:
        return None
    if got.get("cause") is None:
        verdict.cap("outcome", f"no corruption cause, expected {want['cause']!r}")
        return None
    expected_cause = {"code": want["cause"]}
    if "cause_offset" in want:
        expected_cause["offset"] = want["cause_offset"]
    reason = _judge_error(
        expected_cause, {"code": got["cause"], "offset": got.get("cause_offset")}, verdict
    )
    return None if reason is None else f"corruption cause: {reason}"


def _judge_refusal(
    expected: dict[str, Any], error: dict[str, Any] | None, verdict: Verdict
) -> tuple[bool, str | None]:
    """Whether the document or the response is a refusal, and then the verdict's reason: the
    response must refuse exactly when the document does, with a matching error (spec: CP-7
    rules 5 and 8)."""
    if "error" in expected:
        if error is None:
            return True, f"accepted, expected {expected['error']['code']!r}"
        return True, _judge_error(expected["error"], error, verdict)
    if error is not None:
        return True, f"rejected with {show(error['code'])}"
    return False, None


def _judge_write(
    expected: dict[str, Any],
    response: dict[str, Any],
    error: dict[str, Any] | None,
    verdict: Verdict,
) -> str | None:
    """Snapshot writing (spec: CP-7 rule 8, CP-16)."""
    refused, reason = _judge_refusal(expected, error, verdict)
    if refused:
        return reason
    snapshot = _member(response, "snapshot")
    _typed(snapshot, isinstance(snapshot, bytes), "snapshot", "a byte string")
    return snapshot_difference(snapshot, expected["snapshot"])


_BOOTSTRAP_MEMBERS = (
    ("replayed", is_uint, "an unsigned integer"),
    ("snapshot_used", lambda x: type(x) is bool, "a boolean"),
)


def _judge_state(
    expected: dict[str, Any],
    response: dict[str, Any],
    error: dict[str, Any] | None,
    verdict: Verdict,
) -> str | None:
    """Replay and snapshot loading (spec: CP-7 rule 5)."""
    refused, reason = _judge_refusal(expected, error, verdict)
    if refused:
        return reason
    if "outcomes" in expected:
        outcomes = _member(response, "outcomes")
        _typed(outcomes, isinstance(outcomes, list), "outcomes", "an array")
        for i, got in enumerate(outcomes):
            _typed(got, got is None or isinstance(got, str), f"outcomes[{i}]", "null or text")
        reason = judge_outcomes(expected["outcomes"], outcomes, verdict)
        if reason is not None:
            return reason
    digest = _member(response, "digest")
    _typed(digest, isinstance(digest, str), "digest", "text")
    if digest != expected["digest"]:
        return f"state digest {show(digest)}, expected {expected['digest']!r}"
    for key, check, wanted in _BOOTSTRAP_MEMBERS:
        if key in expected:
            _typed(_member(response, key), check(response[key]), key, wanted)
            if response[key] != expected[key]:
                return f"{key} {response[key]!r}, expected {expected[key]!r}"
    return None


def judge_outcomes(
    expected: list[str | None], got: list[str | None], verdict: Verdict
) -> str | None:
    """Per-record replay outcomes: null where applied, a matching code where rejected."""
    if len(got) != len(expected):
        return f"{len(got)} outcomes, expected {len(expected)}"
    for i, (want, have) in enumerate(zip(expected, got, strict=True)):
        if want is None:
            if have is not None:
                return f"record {i} rejected with {show(have)}, expected applied"
            continue
        ok, coarse = code_matches(want, have)
        if not ok:
            return f"record {i}: {show(have)}, expected {want!r}"
        if coarse:
            verdict.cap("outcome", f"record {i}: {have!r} is the category of {want!r}")
    return None
