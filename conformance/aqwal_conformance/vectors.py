"""Golden test vectors: the model, the evaluator, and reading/writing ``vectors/``.

A vector is an input file (``.bin``) and an expected outcome document written twice: in the
JSON form (``.json``) and as deterministic CBOR (``.cbor``). ``vectors/index.json`` lists them
all (schema: ``spec/schemas/vector-index.schema.json``; the outcome documents are described in
``spec/schemas/vector-expected.cddl``).

Outcome documents, by category (``T`` marks a value in the JSON or CBOR form of type T):

* ``codec`` (input: one postcard payload) and ``frame`` (input: one framed record):
  ``{"value": WalEvent}`` when valid; ``{"error": {"code", "offset"}}`` when invalid; both
  when acceptable (a strict reader reports the error, a lenient one yields the value).
* ``encode`` (input: the CBOR form of a WalEvent): ``{"record": bytes}`` (hex in JSON) or
  ``{"error": {"code", "path"}}``.
* ``compat`` (input: one payload): ``{"v4": outcome, "v5": outcome}``.
* ``wal`` (input: a WAL file): ``{"records", "first_sequence", "last_sequence",
  "max_sequence", "valid_end", "tail", "next_valid_offset", "non_increasing_sequences":
  [{"offset", "sequence"}, ...], "corruption": null | {"code", "offset", "cause",
  "cause_offset"}, "truncate_partial": {"length"} | {"error"}}``.
* ``replay`` (input: a WAL file): ``{"outcomes": [null | code, ...], "state": StateForm,
  "digest"}``.
* ``snapshot`` (input: a snapshot file, plus ``<id>.wal.bin`` for bootstrap cases):
  ``{"state": StateForm, "digest"}`` or ``{"error": {"code", "offset", "path"?}}``; bootstrap
  cases add ``"replayed"``.
* ``write`` (input: a WAL file): ``{"snapshot": bytes, "digest"}`` — the snapshot file of the
  replayed state, written with ``options.timestamp``, and the digest of that state — or
  ``{"error": {"code", "offset", "path"?}}``.
* ``request`` (input: a request body, sent as it is): ``{"error": {"code":
  "request_malformed"}}`` for a body that breaks CP-2, ``{"protocol": 1}`` for a ``hello``
  request in an encoding the deterministic one does not write.

The same :func:`evaluate` produces expected documents at generation time and actual ones at
verification time; a vector passes when the two encode to the same CBOR bytes.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aqwal.codec import decode_payload, decode_record, encode_record
from aqwal.datadir import recover
from aqwal.digest import state_digest
from aqwal.errors import AqwalError, NestingLimitError
from aqwal.forms import CBOR_FORM, JSON_FORM, parse_cbor_bytes, to_cbor_bytes
from aqwal.projection import state_form
from aqwal.reducer import Reducer, replay
from aqwal.snapshot import load_snapshot_state, snapshot_file_of
from aqwal.state import ReplayState
from aqwal.walfile import CHUNK, bytes_to_keep, read_wal, validate_wal_file

CATEGORIES = (
    "codec", "frame", "encode", "wal", "replay", "snapshot", "compat", "write", "request"
)  # fmt: skip
RESULTS = ("valid", "invalid", "acceptable")
INDEX_FORMAT = "aqwal-vectors/1"


@dataclass(frozen=True)
class Typed:
    """A value inside an outcome document, rendered in the JSON or the CBOR form."""

    type_name: str
    value: Any


@dataclass(frozen=True)
class Raw:
    """Bytes inside an outcome document: lowercase hex in JSON, a byte string in CBOR."""

    data: bytes


@dataclass
class Vector:
    id: str
    category: str
    description: str
    result: str
    input: bytes
    clauses: tuple[str, ...]
    error: str | None = None
    flags: tuple[str, ...] = ()
    #: Options the evaluator honours: profile ("default" | "workflow"), strict (bool),
    #: accept_older_schema (bool) and read_buffer (the read size of a WAL scan, WAL-11).
    options: dict[str, Any] = field(default_factory=dict)
    #: Further input files by suffix, e.g. {"wal": b"..."} for snapshot bootstrap cases.
    extra: dict[str, bytes] = field(default_factory=dict)
    expected: dict[str, Any] | None = None

    @property
    def stem(self) -> str:
        return self.id.split("/", 1)[1]


# ---------------------------------------------------------------------------------------------
# rendering


def render(doc: Any, flavor: str) -> Any:
    """Turn an outcome document into plain JSON-able (or CBOR-able) objects."""
    if isinstance(doc, Typed):
        form = JSON_FORM if flavor == "json" else CBOR_FORM
        return form.dump(doc.type_name, doc.value)
    if isinstance(doc, Raw):
        return doc.data.hex() if flavor == "json" else doc.data
    if isinstance(doc, dict):
        return {k: render(v, flavor) for k, v in doc.items()}
    if isinstance(doc, list | tuple):
        return [render(v, flavor) for v in doc]
    return doc


def json_bytes(doc: Any) -> bytes:
    return (json.dumps(render(doc, "json"), ensure_ascii=False, indent=1) + "\n").encode()


def cbor_bytes(doc: Any) -> bytes:
    return to_cbor_bytes(render(doc, "cbor"))


# ---------------------------------------------------------------------------------------------
# evaluation with the reference


def _error(exc: AqwalError) -> dict[str, Any]:
    """An expected error: its code and offset, and its path when it has one (errors in a
    snapshot document, spec: ERR-1, SNP-7), which CP-12 compares at level ``exact``."""
    out: dict[str, Any] = {"code": exc.code, "offset": exc.offset}
    if isinstance(exc, NestingLimitError):
        # spec: JSN-14 — a refusal for nesting has no offset, and a reader without a limit
        # locates the text's own syntax error: no offset is compared (CP-7 rule 3)
        del out["offset"]
    if exc.path is not None:
        out["path"] = exc.path
    return out


def _decode_outcome(decode: Callable[[bool], Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    try:
        doc["value"] = Typed("WalEvent", decode(True))
    except AqwalError as exc:
        doc["error"] = _error(exc)
        with contextlib.suppress(AqwalError):
            doc["value"] = Typed("WalEvent", decode(False))
    return doc


def _state_doc(state: ReplayState) -> dict[str, Any]:
    return {"state": Typed("StateForm", state_form(state)), "digest": state_digest(state)}


def evaluate(v: Vector) -> dict[str, Any]:
    """The outcome document the reference produces for a vector's input.

    Decoding categories record both reader modes (an acceptable input has the error of a
    strict reader and the value of a lenient one); the WAL-file categories read in the mode
    the vector's ``options.strict`` names, strict when it names none (spec: CP-4).
    """
    workflow = v.options.get("profile") == "workflow"
    strict = bool(v.options.get("strict", True))
    data = v.input
    if v.category == "codec":
        return _decode_outcome(lambda s: decode_payload(data, strict=s, workflow=workflow))
    if v.category == "frame":
        return _decode_outcome(lambda s: decode_record(data, strict=s, workflow=workflow))
    if v.category == "encode":
        return _encode_outcome(data, workflow)
    if v.category == "compat":
        return {
            "v4": _decode_outcome(lambda s: decode_payload(data, strict=s, wal_version=4)),
            "v5": _decode_outcome(lambda s: decode_payload(data, strict=s)),
        }
    if v.category == "wal":
        return wal_outcome(
            data, strict=strict, workflow=workflow, read_buffer=v.options.get("read_buffer")
        )
    if v.category == "replay":
        reducer = Reducer()
        try:
            events = [e for _, e in read_wal(io.BytesIO(data), strict=strict, workflow=workflow)]
        except AqwalError as exc:
            return {"error": _error(exc)}  # a corrupt log: its reason code at the record start
        outcomes = [o.code for o in replay(events, reducer)]
        return {"outcomes": outcomes, **_state_doc(reducer.state)}
    if v.category == "snapshot":
        return _snapshot_outcome(v, strict=strict, workflow=workflow)
    if v.category == "write":
        return _write_outcome(data, strict, workflow, int(v.options.get("timestamp", 0)))
    if v.category == "request":
        return _request_outcome(data)
    raise ValueError(f"unknown category {v.category}")


def _write_outcome(data: bytes, strict: bool, workflow: bool, timestamp: int) -> dict[str, Any]:
    """The snapshot file of the state a log replays to (spec: SNP-12, SNP-8, SNP-2)."""
    reducer = Reducer()
    try:
        events = [e for _, e in read_wal(io.BytesIO(data), strict=strict, workflow=workflow)]
        list(replay(events, reducer))  # rejected records are skipped (RED-13)
        snapshot = snapshot_file_of(reducer.state, timestamp)
    except AqwalError as exc:
        return {"error": _error(exc)}  # a corrupt log, or a state with no valid snapshot
    return {"snapshot": Raw(snapshot), "digest": state_digest(reducer.state)}


def _request_outcome(body: bytes) -> dict[str, Any]:
    """The reference's answer to a request body: the code of its refusal alone (spec: CP-13),
    or the ``protocol`` of its answer to a well-formed ``hello`` request (spec: CP-5)."""
    from aqwal_conformance.testee import answer  # the testee reads vectors: import it late

    response = answer(body)
    error = response.get("error")
    if isinstance(error, dict):
        return {"error": {"code": error["code"]}}
    return {"protocol": response.get("protocol")}


def _encode_outcome(data: bytes, workflow: bool) -> dict[str, Any]:
    try:
        event = CBOR_FORM.load("WalEvent", parse_cbor_bytes(data))
        return {"record": Raw(encode_record(event, workflow=workflow))}
    except AqwalError as exc:
        return {"error": {"code": exc.code, "path": exc.path}}


def wal_outcome(
    data: bytes, *, strict: bool = True, workflow: bool = False, read_buffer: int | None = None
) -> dict[str, Any]:
    """Tail validation and truncate-partial repair of a WAL file's bytes (category ``wal``),
    reading ``read_buffer`` bytes at a time when given (spec: WAL-11)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "actionqueue.wal"
        path.write_bytes(data)
        rep = validate_wal_file(path, strict=strict, workflow=workflow, chunk=read_buffer or CHUNK)
        corruption = None
        if rep.corruption is not None:
            corruption = {
                "code": rep.corruption.code,
                "offset": rep.corruption.offset,
                "cause": rep.corruption.cause.code,
                "cause_offset": rep.corruption.cause.offset,
            }
        repair: dict[str, Any]
        try:
            repair = {"length": bytes_to_keep(rep, "truncate-partial")}
        except AqwalError as exc:
            repair = {"error": exc.code}
    return {
        "records": rep.records,
        "first_sequence": rep.first_sequence,
        "last_sequence": rep.last_sequence,
        "max_sequence": rep.max_sequence,
        "valid_end": rep.valid_end,
        "tail": rep.tail,
        "next_valid_offset": rep.next_valid_offset,  # spec: WAL-5
        "non_increasing_sequences": [  # spec: WAL-6
            {"offset": offset, "sequence": sequence} for offset, sequence in rep.non_increasing
        ],
        "corruption": corruption,
        "truncate_partial": repair,
    }


def _snapshot_outcome(v: Vector, *, strict: bool, workflow: bool) -> dict[str, Any]:
    accept_older = bool(v.options.get("accept_older_schema"))
    if "wal" not in v.extra:
        try:
            return _state_doc(
                load_snapshot_state(v.input, accept_older_schema=accept_older, workflow=workflow)
            )
        except AqwalError as exc:
            return {"error": _error(exc)}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "wal").mkdir()
        (root / "snapshots").mkdir()
        (root / "wal" / "actionqueue.wal").write_bytes(v.extra["wal"])
        (root / "snapshots" / "snapshot.bin").write_bytes(v.input)
        try:
            result = recover(root, strict=strict, workflow=workflow)
        except AqwalError as exc:
            return {"error": _error(exc)}
        doc = _state_doc(result.state)
        doc["replayed"] = result.applied
        doc["snapshot_used"] = result.snapshot_used
        return doc


def check_intent(v: Vector, doc: dict[str, Any]) -> None:
    """A generated vector must have the result class and error code it claims."""
    outcome = doc
    if v.category == "compat":
        outcome = doc["v4"]
    if v.category in ("codec", "frame", "compat", "snapshot", "encode"):
        has_value = "value" in outcome or "state" in outcome or "record" in outcome
        has_error = "error" in outcome
        # An acceptable vector has the value a lenient reader yields; the error a strict reader
        # reports is in the document when the reference is such a reader, else only in the index.
        expected = {"valid": (True, False), "invalid": (False, True)}
        if v.result == "acceptable":
            if not has_value or v.error is None:
                raise AssertionError(f"{v.id}: an acceptable vector needs a value and an error")
        elif (has_value, has_error) != expected[v.result]:
            raise AssertionError(f"{v.id}: claims {v.result}, got {outcome}")
        if has_error and outcome["error"]["code"] != v.error:
            raise AssertionError(f"{v.id}: expects {v.error}, got {outcome['error']}")
    elif v.category == "wal":
        code = doc["corruption"]["code"] if doc["corruption"] else None
        if code != v.error:
            raise AssertionError(f"{v.id}: expects {v.error}, got {code}")
    elif v.category == "request":
        code = doc["error"]["code"] if "error" in doc else None
        answered = doc.get("protocol") == 1 and v.result == "valid"
        if (
            code != v.error
            or (v.result == "invalid") != (code is not None)
            or (code is None and not answered)
        ):
            raise AssertionError(f"{v.id}: claims {v.result} {v.error}, got {doc}")
    elif v.category == "write":
        code = doc["error"]["code"] if "error" in doc else None
        if code != v.error or (v.result == "invalid") != (code is not None):
            raise AssertionError(f"{v.id}: claims {v.result} {v.error}, got {code}")
    elif v.category == "replay" and "error" in doc:
        if doc["error"]["code"] != v.error or v.result != "invalid":
            raise AssertionError(f"{v.id}: claims {v.result} {v.error}, got {doc['error']}")
    elif v.category == "replay":
        codes = [c for c in doc["outcomes"] if c]
        if (v.error is None) != (not codes) or (v.error and v.error not in codes):
            raise AssertionError(f"{v.id}: expects {v.error}, got {codes}")


# ---------------------------------------------------------------------------------------------
# files


def _files(v: Vector) -> dict[str, str]:
    files = {
        "input": f"{v.category}/{v.stem}.bin",
        "json": f"{v.category}/{v.stem}.json",
        "cbor": f"{v.category}/{v.stem}.cbor",
    }
    for suffix in sorted(v.extra):
        files[suffix] = f"{v.category}/{v.stem}.{suffix}.bin"
    return files


def index_entry(v: Vector) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": v.id,
        "category": v.category,
        "description": v.description,
        "result": v.result,
        "flags": list(v.flags),
        "error": v.error,
        "clauses": list(v.clauses),
        "files": _files(v),
    }
    if v.options:
        entry["options"] = dict(sorted(v.options.items()))
    return entry


def vector_files(vectors: Iterable[Vector]) -> tuple[dict[str, bytes], dict[str, Any]]:
    """Every file of the vector set, by its path relative to the set's directory, in the order
    :func:`write_vectors` writes them (the index last); and the index document."""
    contents: dict[str, bytes] = {}
    entries = []
    for v in sorted(vectors, key=lambda x: x.id):
        assert v.expected is not None
        files = _files(v)
        contents[files["input"]] = v.input
        contents[files["json"]] = json_bytes(v.expected)
        contents[files["cbor"]] = cbor_bytes(v.expected)
        for suffix, data in v.extra.items():
            contents[files[suffix]] = data
        entries.append(index_entry(v))
    index = {
        "format": INDEX_FORMAT,
        "wal_version": 5,
        "count": len(entries),
        "counts": {c: sum(e["category"] == c for e in entries) for c in CATEGORIES},
        "vectors": entries,
    }
    contents["index.json"] = index_text(index).encode("utf-8")
    return contents, index


def write_vectors(vectors: Iterable[Vector], out: Path) -> dict[str, Any]:
    """Write every vector and the index; return the index document."""
    contents, index = vector_files(vectors)
    for rel, data in contents.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return index


def index_text(index: dict[str, Any]) -> str:
    """The index as JSON with one vector per line (stable, diff-friendly)."""
    head = {k: v for k, v in index.items() if k != "vectors"}
    lines = [json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in index["vectors"]]
    body = json.dumps(head, ensure_ascii=False, indent=1)[:-2]
    return body + ',\n "vectors": [\n  ' + ",\n  ".join(lines) + "\n ]\n}\n"


def load_index(root: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((root / "index.json").read_text(encoding="utf-8"))
    if doc.get("format") != INDEX_FORMAT:
        raise ValueError(f"{root / 'index.json'} is not an {INDEX_FORMAT} index")
    return doc


def load_vector(root: Path, entry: dict[str, Any]) -> Vector:
    files = entry["files"]
    extra = {
        k: (root / p).read_bytes() for k, p in files.items() if k not in ("input", "json", "cbor")
    }
    return Vector(
        id=entry["id"],
        category=entry["category"],
        description=entry["description"],
        result=entry["result"],
        input=(root / files["input"]).read_bytes(),
        clauses=tuple(entry["clauses"]),
        error=entry["error"],
        flags=tuple(entry["flags"]),
        options=dict(entry.get("options", {})),
        extra=extra,
    )


@dataclass
class VerifyReport:
    checked: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    per_category: dict[str, int] = field(default_factory=dict)


def verify_vectors(root: Path) -> VerifyReport:
    """Check every vector of ``root`` against the reference (expected CBOR == actual CBOR)."""
    report = VerifyReport()
    for entry in load_index(root)["vectors"]:
        v = load_vector(root, entry)
        report.checked += 1
        report.per_category[v.category] = report.per_category.get(v.category, 0) + 1
        expected = (root / entry["files"]["cbor"]).read_bytes()
        try:
            actual = cbor_bytes(evaluate(v))
        except Exception as exc:  # a bug in the reference must not hide other results
            report.failures.append((v.id, f"reference raised {type(exc).__name__}: {exc}"))
            continue
        if actual != expected:
            report.failures.append((v.id, "outcome differs from the expected document"))
    return report
