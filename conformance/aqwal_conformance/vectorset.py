"""A golden vector set, read as untrusted input (spec: CP-14).

The runner reads a vector set that may come from anywhere (``--vectors DIR``): its
``index.json`` is checked entry by entry, every file it names must be a regular file inside the
set and no larger than a protocol message, and every expected outcome document must have the
shape of its category. Anything else is a :class:`VectorSetError` with a one-line reason.

Without ``--vectors``, the set is the ``vectors/`` of the aqwal checkout the current directory
is in, or else the set installed with the package (the ``aqwal_vectors`` data package).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aqwal.errors import FormError
from aqwal.forms import parse_cbor_bytes
from aqwal_conformance.protocol import MAX_MESSAGE
from aqwal_conformance.vectors import CATEGORIES, INDEX_FORMAT, RESULTS, Vector

#: Largest index.json the runner reads.
MAX_INDEX = 64 * 1024 * 1024
#: Largest vector file the runner reads: an input must fit in a request (spec: CP-2).
MAX_FILE = MAX_MESSAGE
#: The data package that ships the vector set.
PACKAGE = "aqwal_vectors"


class VectorSetError(Exception):
    """The vector set cannot be used; the message says which file and why."""


def packaged_vectors() -> Path | None:
    """The directory of the vector set installed with aqwal, if there is one."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        if (Path(location) / "index.json").is_file():
            return Path(location)
    return None


def checkout_vectors(start: Path | None = None) -> Path | None:
    """``vectors/`` of the aqwal checkout containing ``start`` (default: the current
    directory): the nearest directory, ``start`` or a parent, holding both
    ``vectors/index.json`` and ``spec/conformance-protocol.md``."""
    here = (start or Path.cwd()).absolute()
    for folder in (here, *here.parents):
        if (folder / "vectors" / "index.json").is_file() and (
            folder / "spec" / "conformance-protocol.md"
        ).is_file():
            return folder / "vectors"
    return None


def default_vectors() -> Path:
    """The vector set used without ``--vectors`` (spec: CP-14)."""
    found = checkout_vectors() or packaged_vectors()
    if found is None:
        raise VectorSetError(
            "no vector set: not inside an aqwal checkout and no vectors installed with the "
            "package; give --vectors DIR"
        )
    return found


@dataclass(frozen=True)
class VectorSet:
    root: Path
    entries: tuple[dict[str, Any], ...]

    def categories(self) -> set[str]:
        return {e["category"] for e in self.entries}

    def load(self, entry: dict[str, Any]) -> tuple[Vector, dict[str, Any]]:
        """The vector of an index entry and its expected outcome document."""
        files = entry["files"]
        # the one further file the runner uses: the WAL of a snapshot bootstrap case
        extra = {"wal": self.read(files["wal"])} if "wal" in files else {}
        vector = Vector(
            id=entry["id"],
            category=entry["category"],
            description=entry["description"],
            result=entry["result"],
            input=self.read(files["input"]),
            clauses=tuple(entry["clauses"]),
            error=entry["error"],
            flags=tuple(entry["flags"]),
            options=dict(entry.get("options", {})),
            extra=extra,
        )
        try:
            expected = parse_cbor_bytes(self.read(files["cbor"]))
        except FormError as exc:
            raise VectorSetError(f"{self._where(files['cbor'])}: not CBOR ({exc})") from None
        problem = expected_problem(entry["category"], expected)
        if problem is not None:
            raise VectorSetError(f"{self._where(files['cbor'])}: {problem}")
        return vector, expected

    def read(self, relative: str) -> bytes:
        """A file of the set: inside it, regular, at most MAX_FILE bytes."""
        return _read_confined(self.root, relative, MAX_FILE)

    def _where(self, relative: str) -> str:
        return str(self.root / relative)


def open_vector_set(root: Path | str) -> VectorSet:
    """Read and check ``root/index.json`` (spec: CP-14)."""
    root = Path(root)
    if not root.is_dir():
        raise VectorSetError(f"{root} does not exist or is not a directory")
    raw = _read_confined(root, "index.json", MAX_INDEX)
    checked = _CHECKED.get(str(root))
    if checked is not None and checked[0] == raw:
        return VectorSet(root, checked[1])
    vector_set = _checked_vector_set(root, raw)
    _CHECKED.pop(str(root), None)
    if len(raw) <= _CHECKED_INDEX_MAX:
        while len(_CHECKED) >= _CHECKED_SETS:
            del _CHECKED[next(iter(_CHECKED))]
        _CHECKED[str(root)] = (raw, vector_set.entries)
    return vector_set


#: The indexes checked last, by vector set directory: the bytes read and the entries they gave.
#: A process that runs one set many times (a test session) checks its index once; an index
#: whose bytes changed is checked again. The entries are shared: nothing changes them. At most
#: four sets, of indexes up to 4 MiB (the checkout's is under 1 MiB), are kept.
_CHECKED: dict[str, tuple[bytes, tuple[dict[str, Any], ...]]] = {}
_CHECKED_SETS = 4
_CHECKED_INDEX_MAX = 4 * 1024 * 1024


def _checked_vector_set(root: Path, raw: bytes) -> VectorSet:
    where = root / "index.json"
    try:
        index = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise VectorSetError(f"{where} is not UTF-8 (byte {exc.start})") from None
    except ValueError as exc:
        raise VectorSetError(f"{where} is not JSON: {exc}") from None
    if not isinstance(index, dict) or index.get("format") != INDEX_FORMAT:
        raise VectorSetError(f"{where} is not an {INDEX_FORMAT} index")
    entries = index.get("vectors")
    if not isinstance(entries, list):
        raise VectorSetError(f"{where}: 'vectors' is not an array")
    seen: set[str] = set()
    for n, entry in enumerate(entries):
        problem = _entry_problem(entry)
        if problem is None and entry["id"] in seen:
            problem = "the id is listed twice"
        if problem is not None:
            label = entry.get("id") if isinstance(entry, dict) else None
            shown = repr(label)[:80] if isinstance(label, str) else f"#{n}"
            raise VectorSetError(f"{where}: entry {shown}: {problem}")
        seen.add(entry["id"])
    return VectorSet(root, tuple(entries))


def _entry_problem(entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return "not an object"
    for key, kind in (("id", str), ("category", str), ("description", str), ("result", str)):
        if not isinstance(entry.get(key), kind):
            return f"{key!r} is missing or not text"
    if entry["category"] not in CATEGORIES:
        return f"unknown category {entry['category']!r}"
    if not entry["id"].startswith(entry["category"] + "/"):
        return "the id does not start with its category"
    if entry["result"] not in RESULTS:
        return f"unknown result {entry['result']!r}"
    if entry.get("error") is not None and not isinstance(entry["error"], str):
        return "'error' is neither null nor text"
    entry.setdefault("error", None)
    for key in ("flags", "clauses"):
        value = entry.setdefault(key, [])
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            return f"{key!r} is not an array of text"
    if not isinstance(entry.get("options", {}), dict):
        return "'options' is not an object"
    files = entry.get("files")
    if not isinstance(files, dict) or not all(isinstance(p, str) for p in files.values()):
        return "'files' is not an object of paths"
    if "input" not in files or "cbor" not in files:
        return "'files' lacks 'input' or 'cbor'"
    return None


def _read_confined(root: Path, relative: str, limit: int) -> bytes:
    """Read ``root/relative``: a path inside ``root`` (no ``..``, not absolute, no symbolic
    link leading out of it, none at all as the last component), a regular file, at most
    ``limit`` bytes."""
    parts = relative.split("/")
    if not relative or "\x00" in relative or relative.startswith("/") or ".." in parts:
        raise VectorSetError(f"{relative!r} is not a path inside the vector set {root}")
    # the path as pathlib spells it (an index's paths are already so: then without pathlib)
    where = root / relative if "" in parts or "." in parts else os.path.join(root, relative)
    real_root = _realpath(str(root))
    real_parent = _realpath(os.path.join(real_root, relative.rpartition("/")[0]))
    if real_parent != real_root and not real_parent.startswith(real_root + os.sep):
        raise VectorSetError(f"{where} leads outside the vector set {root}")
    try:
        fd = os.open(where, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError as exc:
        raise VectorSetError(f"cannot read {where}: {_why(exc)}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise VectorSetError(f"{where} is not a regular file")
        if info.st_size > limit:
            raise VectorSetError(f"{where} is larger than {limit} bytes")
        # as much as fstat saw and one byte more (a read of limit + 1 bytes would set aside a
        # buffer of that size for every small file); a file that grew since is read on, up to
        # the limit
        data = _read_fd(fd, info.st_size + 1)
        if len(data) > info.st_size:
            data += _read_fd(fd, limit + 1 - len(data))
    finally:
        os.close(fd)
    if len(data) > limit:
        raise VectorSetError(f"{where} is larger than {limit} bytes")
    return data


def _read_fd(fd: int, count: int) -> bytes:
    """Up to ``count`` bytes from ``fd``: fewer only at the end of the file."""
    parts: list[bytes] = []
    while count > 0:
        part = os.read(fd, min(count, 1 << 20))
        if not part:
            break
        parts.append(part)
        count -= len(part)
    return b"".join(parts)


@functools.lru_cache(maxsize=64)
def _realpath(path: str) -> str:
    return os.path.realpath(path)


def _why(exc: BaseException) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


# ---------------------------------------------------------------------------------------------
# expected outcome documents (spec/schemas/vector-expected.cddl), as far as the runner reads them


def _error_problem(error: Any, location: str) -> str | None:
    if not isinstance(error, dict) or not isinstance(error.get("code"), str):
        return "'error' is not a map with a text 'code'"
    if location in error and error[location] is not None:
        value = error[location]
        ok = isinstance(value, str) if location == "path" else type(value) is int and value >= 0
        if not ok:
            return f"'error.{location}' has the wrong type"
    return None


def _decoding_problem(doc: Any, value_key: str, location: str) -> str | None:
    if not isinstance(doc, dict) or not (value_key in doc or "error" in doc):
        return f"neither {value_key!r} nor 'error' in the outcome"
    if "error" in doc:
        return _error_problem(doc["error"], location)
    return None


def expected_problem(category: str, doc: Any) -> str | None:
    """What makes ``doc`` unusable as the expected outcome of a ``category`` case, or None."""
    if not isinstance(doc, dict):
        return "the expected outcome is not a map"
    if category in ("codec", "frame"):
        return _decoding_problem(doc, "value", "offset")
    if category == "compat":
        return _decoding_problem(doc.get("v4"), "value", "offset") or _decoding_problem(
            doc.get("v5"), "value", "offset"
        )
    if category == "encode":
        problem = _decoding_problem(doc, "record", "path")
        if problem is None and "error" not in doc and not isinstance(doc["record"], bytes):
            problem = "'record' is not a byte string"
        return problem
    if category == "wal":
        return _wal_problem(doc)
    if category == "request":
        if "error" not in doc:
            return None if doc.get("protocol") == 1 else "neither 'error' nor 'protocol': 1"
        return _error_problem(doc["error"], "offset")
    if category == "write" and "error" not in doc:
        snapshot = doc.get("snapshot")
        if not isinstance(snapshot, bytes) or len(snapshot) < 12:
            return "'snapshot' is not a byte string of at least 12 bytes"
        return None
    if "error" in doc:
        return _error_problem(doc["error"], "offset") or _error_problem(doc["error"], "path")
    if "state" not in doc or not isinstance(doc.get("digest"), str):
        return "'state' or 'digest' is missing, or 'digest' is not text"
    outcomes = doc.get("outcomes", [])
    if not isinstance(outcomes, list) or not all(o is None or isinstance(o, str) for o in outcomes):
        return "'outcomes' is not an array of null or text"
    if category == "replay" and "outcomes" not in doc:
        return "'outcomes' is missing"
    return None


def _wal_problem(doc: dict[str, Any]) -> str | None:
    for key in (
        "records",
        "first_sequence",
        "last_sequence",
        "max_sequence",
        "valid_end",
        "tail",
        "truncate_partial",
    ):
        if key not in doc:
            return f"{key!r} is missing"
    corruption = doc.get("corruption", 0)
    if corruption is not None and not (
        isinstance(corruption, dict) and "code" in corruption and "offset" in corruption
    ):
        return "'corruption' is neither null nor a map with 'code' and 'offset'"
    resumes = doc.get("next_valid_offset")  # optional (spec: CP-7 rule 6)
    if resumes is not None and not (type(resumes) is int and resumes >= 0):
        return "'next_valid_offset' is neither null nor an unsigned integer"
    rows = doc.get("non_increasing_sequences", [])  # optional (spec: CP-7 rule 6)
    if not (
        isinstance(rows, list)
        and all(
            isinstance(row, dict)
            and set(row) == {"offset", "sequence"}
            and all(type(n) is int and n >= 0 for n in row.values())
            for row in rows
        )
    ):
        return "'non_increasing_sequences' is not an array of {offset, sequence} maps"
    return None
