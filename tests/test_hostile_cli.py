"""Hostile input to every command: a one-line error and an exit status — never a traceback, a
hang, an unbounded read, or a changed file other than the named output (spec: WAL-15, WAL-16,
SNP-15, JSN-15).

Each case runs ``aqwal`` with a timeout and a cap on its address space, inside a sandbox
directory whose every entry (kind, content, modification time) is compared before and after:
in the test process (tests/cli_in_process.py, which also fails a case that leaves a file
descriptor open), and, for a sample of the cases, in a subprocess as well.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from aqwal import types as t
from aqwal.cli import main
from aqwal.codec import encode_record
from aqwal.forms import JSON_FORM, to_json_text
from aqwal.reducer import Reducer
from aqwal.snapshot import encode_snapshot, snapshot_of
from tests.cli_in_process import run_cli

pytestmark = pytest.mark.skipif(
    os.name != "posix" or not Path("/dev/zero").exists(), reason="POSIX files and devices"
)

TIMEOUT = 20  # seconds, generous: the slowest case takes well under one on an idle machine
MEMORY = 2 << 30  # bytes of address space: room for a 256 MiB payload, not for unbounded reads

EVENTS = [
    t.WalEvent(1, t.EnginePaused(1000)),
    t.WalEvent(2, t.EngineResumed(1001)),
    t.WalEvent(3, t.EnginePaused(1002)),
]
LOG = b"".join(encode_record(e) for e in EVENTS)


def _snapshot_text() -> str:
    reducer = Reducer()
    for e in EVENTS:
        reducer.apply(e)
    return to_json_text(JSON_FORM.dump("Snapshot", snapshot_of(reducer.state, 5)))


SNAPSHOT_TEXT = _snapshot_text()
SNAPSHOT = encode_snapshot(snapshot_of(Reducer().state))
JSON_LINE = '{"sequence":1,"event":{"EnginePaused":{"timestamp":1000}}}\n'


def _framed(payload: bytes) -> bytes:
    import zlib

    return (
        (4).to_bytes(4, "little")
        + len(payload).to_bytes(4, "little")
        + zlib.crc32(payload).to_bytes(4, "little")
        + payload
    )


HOSTILE_JSON = {
    "huge-integer": (SNAPSHOT_TEXT.replace('"timestamp":5', '"timestamp":' + "9" * 5000, 1)),
    "lone-surrogate": SNAPSHOT_TEXT.replace('"tasks":[]', '"tasks":["\\udcff"]', 1),
    "byte-order-mark": "\ufeff" + SNAPSHOT_TEXT,
    "deep-nesting": "[" * 100_000 + "]" * 100_000,
}
HOSTILE_LINES = {
    "huge-integer": JSON_LINE.replace("1000", "9" * 5000),
    "lone-surrogate": '{"sequence":1,"event":{"RunSuspended":{"run_id":'
    '"00000000-0000-0000-0000-000000000001","reason":"\\ud800","timestamp":1}}}\n',
    "byte-order-mark": "\ufeff" + JSON_LINE,
    "deep-nesting": "[" * 100_000 + "]" * 100_000 + "\n",
}


# ---------------------------------------------------------------------------------------------
# running aqwal and watching the sandbox


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run_aqwal(
    args: list[str | bytes],
    cwd: Path,
    *,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """``aqwal`` in the test process, bounded as :func:`run_aqwal_process` bounds it."""
    return run_cli(args, cwd, stdin=stdin, env=env, timeout=TIMEOUT, memory=MEMORY)


def run_aqwal_process(
    args: list[str | bytes],
    cwd: Path,
    *,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """``python -m aqwal`` in a subprocess with a timeout and a cap on its address space."""
    full_env = {k: v for k, v in os.environ.items() if k != "AQWAL_DEBUG"}
    full_env.update(env or {})
    with open(stdin or os.devnull, "rb") as stdin_file:
        return subprocess.run(
            [sys.executable, "-m", "aqwal", *args],
            cwd=cwd,
            stdin=stdin_file,
            capture_output=True,
            timeout=TIMEOUT,
            preexec_fn=_limits,
            env=full_env,
            check=False,
        )


def tree(root: Path) -> dict[str, tuple[object, ...]]:
    """Every entry under ``root``: its kind, and content digest or link target, mode and
    modification time."""
    out: dict[str, tuple[object, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = path.lstat()
            rel = os.fsdecode(path.relative_to(root))
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(path))
            elif stat.S_ISREG(st.st_mode):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                out[rel] = ("file", digest, st.st_mode, st.st_mtime_ns, st.st_nlink)
            else:
                out[rel] = (stat.S_IFMT(st.st_mode), st.st_mode, st.st_mtime_ns)
    return out


def make_data_dir(root: Path, name: str = "dd", *, snapshot: bytes | None = None) -> Path:
    d = root / name
    (d / "wal").mkdir(parents=True)
    (d / "wal" / "actionqueue.wal").write_bytes(LOG)
    if snapshot is not None:
        (d / "snapshots").mkdir()
        (d / "snapshots" / "snapshot.bin").write_bytes(snapshot)
    return d


@dataclass(frozen=True)
class Case:
    id: str
    #: Builds the hostile input in the sandbox; returns the command line (and stdin file).
    setup: Callable[[Path], tuple[list[str | bytes], str | None]]
    status: int
    #: Text the one line on stderr contains ("" when nothing may be printed on stderr).
    message: str
    #: Sandbox entries the command may create or change (its output).
    outputs: tuple[str, ...] = ()


def _check(
    case: Case, sandbox: Path, run: Callable[..., subprocess.CompletedProcess[bytes]] = run_aqwal
) -> subprocess.CompletedProcess[bytes]:
    sandbox.mkdir(exist_ok=True)
    argv, stdin = case.setup(sandbox)
    before = tree(sandbox)
    result = run(argv, sandbox, stdin=stdin)
    err = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err and "internal error" not in err, err
    assert result.returncode == case.status, (result.returncode, err)
    if case.message:
        assert err.count("\n") == 1 and err.startswith("aqwal: "), err
        assert case.message in err, err
    else:
        assert err == "", err
    after = tree(sandbox)
    for name in case.outputs:
        before.pop(name, None)
        after.pop(name, None)
    assert after == before
    return result


# ---------------------------------------------------------------------------------------------
# inputs that are not regular files, or not there


def _fifo(root: Path) -> str:
    os.mkfifo(root / "fifo")
    return "fifo"


def _zero_link(root: Path) -> str:
    (root / "zero").symlink_to("/dev/zero")
    return "zero"


def _loop(root: Path) -> str:
    (root / "loop").symlink_to("loop")
    return "loop"


def _dangling(root: Path) -> str:
    (root / "dangling").symlink_to("nowhere")
    return "dangling"


def _directory(root: Path) -> str:
    (root / "dir").mkdir()
    return "dir"


NOT_REGULAR: dict[str, tuple[Callable[[Path], str], str]] = {
    "fifo": (_fifo, "is a FIFO, not a regular file"),
    "dev-zero-link": (_zero_link, "is a character device, not a regular file"),
    "dev-zero": (lambda root: "/dev/zero", "is a character device, not a regular file"),
    "link-loop": (_loop, "cannot read loop"),
    "dangling-link": (_dangling, "symbolic link to nothing"),
    "missing": (lambda root: "missing", "does not exist"),
}

#: Commands that read one file: (argv before the path, argv after it).
FILE_COMMANDS: dict[str, tuple[list[str], list[str]]] = {
    "decode": (["decode"], []),
    "decode-payload": (["decode", "--payload"], []),
    "encode": (["encode"], []),
    "snapshot-show": (["snapshot", "show"], []),
}
#: Commands that take a WAL file or a data directory.
PATH_COMMANDS: dict[str, tuple[list[str], list[str]]] = {
    "replay": (["replay"], []),
    "verify": (["verify"], []),
    "inspect": (["inspect"], []),
    "repair": (["repair"], ["--policy", "truncate-partial", "-o", "out.wal"]),
    "snapshot-write": (["snapshot", "write"], ["-o", "out.bin"]),
}
ALL_COMMANDS = {**FILE_COMMANDS, **PATH_COMMANDS}


def _not_regular_cases() -> list[Case]:
    cases = []
    for command, (pre, post) in ALL_COMMANDS.items():
        for kind, (make, message) in NOT_REGULAR.items():
            if command in FILE_COMMANDS and kind in ("missing", "dangling-link"):
                message = "No such file or directory"

            def setup(root: Path, make=make, pre=pre, post=post) -> tuple[list[str | bytes], None]:  # type: ignore[no-untyped-def]
                return [*pre, make(root), *post], None

            cases.append(Case(f"{command}-{kind}", setup, 2, message))
        if command in FILE_COMMANDS:

            def on_dir(root: Path, pre=pre, post=post) -> tuple[list[str | bytes], None]:  # type: ignore[no-untyped-def]
                return [*pre, _directory(root), *post], None

            cases.append(Case(f"{command}-directory", on_dir, 2, "is a directory"))
    return cases


@pytest.mark.parametrize("case", _not_regular_cases(), ids=lambda c: c.id)
def test_inputs_that_are_not_regular_files(case: Case, tmp_path: Path) -> None:
    _check(case, tmp_path)


# ---------------------------------------------------------------------------------------------
# empty and truncated files

EMPTY_AND_TRUNCATED = [
    # (command, content, status, message, outputs)
    ("decode", b"", 0, "", ()),
    ("decode-payload", b"", 1, "unexpected_end", ()),
    ("encode", b"", 0, "", ()),
    ("snapshot-show", b"", 1, "the snapshot file is empty", ()),
    ("replay", b"", 0, "", ()),
    ("verify", b"", 0, "", ()),
    ("inspect", b"", 0, "", ()),
    ("repair", b"", 0, "", ("out.wal",)),
    ("snapshot-write", b"", 0, "", ("out.bin",)),
    ("decode", LOG[:-3], 1, "frame_length_exceeds_buffer", ()),
    ("decode-payload", LOG[12:15], 1, "unexpected_end", ()),
    ("encode", JSON_LINE.encode()[:-9], 1, "form_syntax", ()),
    ("snapshot-show", SNAPSHOT[:-1], 1, "snapshot_truncated_payload", ()),
    ("snapshot-show", SNAPSHOT[:7], 1, "snapshot_truncated", ()),
    ("replay", LOG[:-3], 1, "incomplete_payload", ()),
    ("verify", LOG[:-3], 1, "", ()),
    ("inspect", LOG[:-3], 0, "", ()),
    ("repair", LOG[:-3], 0, "", ("out.wal",)),
    ("snapshot-write", LOG[:-3], 1, "incomplete_payload", ()),
]


@pytest.mark.parametrize(
    ("command", "content", "status", "message", "outputs"),
    EMPTY_AND_TRUNCATED,
    ids=[f"{c}-{'empty' if not d else 'truncated'}" for c, d, *_ in EMPTY_AND_TRUNCATED],
)
def test_empty_and_truncated_files(
    command: str,
    content: bytes,
    status: int,
    message: str,
    outputs: tuple[str, ...],
    tmp_path: Path,
) -> None:
    pre, post = ALL_COMMANDS[command]

    def setup(root: Path) -> tuple[list[str | bytes], None]:
        (root / "input").write_bytes(content)
        return [*pre, "input", *post], None

    _check(Case(command, setup, status, message, outputs), tmp_path)


# ---------------------------------------------------------------------------------------------
# hostile JSON: encode, snapshot show, and a data directory's snapshot

JSON_MESSAGES = {
    "huge-integer": "form_out_of_range",
    "lone-surrogate": "form_syntax",
    "byte-order-mark": "form_syntax",
    "deep-nesting": "form_syntax",
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_JSON))
def test_hostile_json(kind: str, tmp_path: Path) -> None:
    # spec: JSN-15, JSN-7, JSN-1
    def encode(root: Path) -> tuple[list[str | bytes], None]:
        (root / "lines.jsonl").write_bytes(JSON_LINE.encode() + HOSTILE_LINES[kind].encode())
        return ["encode", "lines.jsonl", "-o", "out.wal"], None

    _check(Case("encode", encode, 1, f"line 2: {JSON_MESSAGES[kind]}"), tmp_path / "e")

    snapshot = _framed(HOSTILE_JSON[kind].encode("utf-8"))

    def show(root: Path) -> tuple[list[str | bytes], None]:
        (root / "snap.bin").write_bytes(snapshot)
        return ["snapshot", "show", "snap.bin"], None

    _check(Case("show", show, 1, JSON_MESSAGES[kind]), tmp_path / "s")
    if kind == "byte-order-mark":
        result = run_aqwal(["snapshot", "show", "snap.bin"], tmp_path / "s")
        assert b"form_syntax at offset 12 " in result.stderr

    note = f"note: snapshot not used: {JSON_MESSAGES[kind]}"
    for i, (command, status, message, outputs) in enumerate(
        (
            (["replay", "dd"], 0, note, ()),
            (["replay", "dd", "--digest"], 0, note, ()),
            (["verify", "dd"], 1, "", ()),
            (["inspect", "dd"], 0, "", ()),
            (["snapshot", "write", "dd", "-o", "out.bin"], 0, note, ("out.bin",)),
        )
    ):

        def data_dir(root: Path, command: list[str] = command) -> tuple[list[str | bytes], None]:
            make_data_dir(root, snapshot=snapshot)
            return list(command), None

        result = _check(Case(command[0], data_dir, status, message, outputs), tmp_path / f"dd{i}")
        if command[0] == "verify":
            assert JSON_MESSAGES[kind].encode() in result.stdout


def test_nul_bytes_and_endless_input_on_stdin(tmp_path: Path) -> None:
    # spec: WAL-15, SNP-15 — stdin may be endless: reads stop at the format's limits
    def from_zero(argv: list[str | bytes]) -> Callable[[Path], tuple[list[str | bytes], str]]:
        return lambda root: (argv, "/dev/zero")

    _check(Case("encode", from_zero(["encode", "-"]), 1, "cannot appear in JSON text"), tmp_path)
    _check(Case("decode", from_zero(["decode", "-"]), 1, "frame_version_unsupported"), tmp_path)
    _check(
        Case("show", from_zero(["snapshot", "show", "-"]), 1, "snapshot_unsupported_version"),
        tmp_path,
    )
    _check(
        Case("payload", from_zero(["decode", "--payload", "-"]), 1, "longer than 268435456"),
        tmp_path,
    )


# ---------------------------------------------------------------------------------------------
# data-directory layouts


def _layout_wal_directory(root: Path) -> None:
    (root / "dd" / "wal" / "actionqueue.wal").mkdir(parents=True)


def _layout_wal_is_a_file(root: Path) -> None:
    (root / "dd").mkdir()
    (root / "dd" / "wal").write_bytes(LOG)


def _layout_wal_fifo(root: Path) -> None:
    (root / "dd" / "wal").mkdir(parents=True)
    os.mkfifo(root / "dd" / "wal" / "actionqueue.wal")


def _layout_wal_loop(root: Path) -> None:
    (root / "dd" / "wal").mkdir(parents=True)
    (root / "dd" / "wal" / "actionqueue.wal").symlink_to("actionqueue.wal")


BAD_WAL_LAYOUTS = {
    "wal-path-is-a-directory": (_layout_wal_directory, "is a directory, not a regular file"),
    "wal-is-a-file": (_layout_wal_is_a_file, "Not a directory"),
    "wal-path-is-a-fifo": (_layout_wal_fifo, "is a FIFO, not a regular file"),
    "wal-path-is-a-link-loop": (_layout_wal_loop, "Too many levels of symbolic links"),
}


@pytest.mark.parametrize("layout", sorted(BAD_WAL_LAYOUTS))
@pytest.mark.parametrize("command", sorted(PATH_COMMANDS))
def test_data_directory_with_an_unusable_wal(command: str, layout: str, tmp_path: Path) -> None:
    # spec: WAL-15 — an error, not an empty log
    make, message = BAD_WAL_LAYOUTS[layout]
    pre, post = PATH_COMMANDS[command]

    def setup(root: Path) -> tuple[list[str | bytes], None]:
        make(root)
        return [*pre, "dd", *post], None

    _check(Case(command, setup, 2, message), tmp_path)


def _snap_directory(d: Path) -> None:
    (d / "snapshots" / "snapshot.bin").mkdir(parents=True)


def _snap_loop(d: Path) -> None:
    (d / "snapshots").mkdir()
    (d / "snapshots" / "snapshot.bin").symlink_to("snapshot.bin")


def _snap_fifo(d: Path) -> None:
    (d / "snapshots").mkdir()
    os.mkfifo(d / "snapshots" / "snapshot.bin")


def _snap_zero(d: Path) -> None:
    (d / "snapshots").mkdir()
    (d / "snapshots" / "snapshot.bin").symlink_to("/dev/zero")


def _snapshots_is_a_file(d: Path) -> None:
    (d / "snapshots").write_bytes(SNAPSHOT)


BAD_SNAPSHOT_LAYOUTS = {
    "snapshot-is-a-directory": _snap_directory,
    "snapshot-link-loop": _snap_loop,
    "snapshot-fifo": _snap_fifo,
    "snapshot-dev-zero": _snap_zero,
    "snapshots-is-a-file": _snapshots_is_a_file,
}
UNREADABLE = "snapshot_unreadable"


@pytest.mark.parametrize("layout", sorted(BAD_SNAPSHOT_LAYOUTS))
@pytest.mark.parametrize(
    ("argv", "status", "message", "outputs"),
    [
        (["replay", "dd"], 0, f"note: snapshot not used: {UNREADABLE}", ()),
        (["verify", "dd"], 1, "", ()),
        (["inspect", "dd"], 0, "", ()),
        (["snapshot", "write", "dd", "-o", "out.bin"], 0, UNREADABLE, ("out.bin",)),
        (["repair", "dd", "--policy", "strict", "-o", "out.wal"], 0, "", ("out.wal",)),
    ],
    ids=["replay", "verify", "inspect", "snapshot-write", "repair"],
)
def test_data_directory_with_an_unreadable_snapshot(
    layout: str,
    argv: list[str],
    status: int,
    message: str,
    outputs: tuple[str, ...],
    tmp_path: Path,
) -> None:
    # spec: SNP-15, SNP-12 — reported, and the replay goes on without it
    def setup(root: Path) -> tuple[list[str | bytes], None]:
        BAD_SNAPSHOT_LAYOUTS[layout](make_data_dir(root))
        return list(argv), None

    result = _check(Case(argv[0], setup, status, message, outputs), tmp_path)
    if argv[0] in ("verify", "inspect"):
        assert UNREADABLE.encode() in result.stdout


def test_data_directory_without_a_wal(tmp_path: Path) -> None:
    def empty_dir(argv: list[str | bytes]) -> Callable[[Path], tuple[list[str | bytes], None]]:
        def setup(root: Path) -> tuple[list[str | bytes], None]:
            (root / "dd").mkdir(exist_ok=True)
            (root / "out.bin").write_bytes(b"old")
            return argv, None

        return setup

    _check(
        Case("repair", empty_dir(["repair", "dd", "--in-place"]), 2, "no WAL to repair"),
        tmp_path,
    )
    _check(
        Case("write", empty_dir(["snapshot", "write", "dd", "-o", "out.bin"]), 0, "", ("out.bin",)),
        tmp_path,
    )
    assert (tmp_path / "out.bin").read_bytes() == SNAPSHOT


# ---------------------------------------------------------------------------------------------
# -o targets


def _target_directory(root: Path) -> str:
    (root / "target").mkdir()
    (root / "target" / "keep").write_bytes(b"keep")
    return "target"


def _target_fifo(root: Path) -> str:
    os.mkfifo(root / "target")
    return "target"


def _target_link(root: Path) -> str:
    (root / "other").write_bytes(b"other")
    (root / "target").symlink_to("other")
    return "target"


def _target_input_link(root: Path) -> str:
    (root / "target").symlink_to("input")
    return "target"


def _target_input_hard_link(root: Path) -> str:
    os.link(root / "input", root / "target")
    return "target"


BAD_TARGETS: dict[str, tuple[Callable[[Path], str], str]] = {
    "directory": (_target_directory, "is a directory"),
    "missing-parent": (lambda root: "missing/out", "does not exist"),
    "root": (lambda root: "/", "names a directory"),
    "dot": (lambda root: ".", "names a directory"),
    "fifo": (_target_fifo, "is a FIFO"),
    "symlink": (_target_link, "is a symbolic link"),
    "dev-null": (lambda root: "/dev/null", "is a character device"),
    "the-input": (lambda root: "input", "input"),
    "link-to-the-input": (_target_input_link, "input"),
    "hard-link-to-the-input": (_target_input_hard_link, "input"),
}
WRITERS: dict[str, tuple[bytes, list[str]]] = {
    "encode": (JSON_LINE.encode(), ["encode", "input", "-o"]),
    "repair": (LOG + b"\x05", ["repair", "input", "--policy", "truncate-partial", "-o"]),
    "snapshot-write": (LOG, ["snapshot", "write", "input", "-o"]),
}


@pytest.mark.parametrize("target", sorted(BAD_TARGETS))
@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_output_targets_that_must_not_be_replaced(writer: str, target: str, tmp_path: Path) -> None:
    # spec: WAL-16, WAL-9
    content, argv = WRITERS[writer]
    make, message = BAD_TARGETS[target]

    def setup(root: Path) -> tuple[list[str | bytes], None]:
        (root / "input").write_bytes(content)
        return [*argv, make(root)], None

    _check(Case(writer, setup, 2, message), tmp_path)


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_planted_temporary_names_are_never_written_through(writer: str, tmp_path: Path) -> None:
    # spec: WAL-16 — the repair that truncated its own input through .out.wal.tmp
    content, argv = WRITERS[writer]

    def setup(root: Path) -> tuple[list[str | bytes], None]:
        (root / "input").write_bytes(content)
        for name in (".out.wal.tmp", "out.wal.tmp", "out.wal.new", ".out.wal.new"):
            (root / name).symlink_to("input")
        return [*argv, "out.wal"], None

    _check(Case(writer, setup, 0, "", ("out.wal",)), tmp_path)
    assert (tmp_path / "out.wal").is_file() and not (tmp_path / "out.wal").is_symlink()


# ---------------------------------------------------------------------------------------------
# vectors generate never deletes what it did not write


def _unrelated_with_index(root: Path) -> list[str | bytes]:
    (root / "work").mkdir()
    (root / "work" / "index.json").write_text('{"not": "a vector index"}')
    (root / "work" / "notes.txt").write_text("mine")
    (root / "work.new").mkdir()
    (root / "work.new" / "precious").write_text("mine too")
    return ["vectors", "generate", "--out", "work"]


def _vector_index_escaping(root: Path) -> list[str | bytes]:
    (root / "victim").write_text("outside the set")
    (root / "set").mkdir()
    index = '{"format":"aqwal-vectors/1","vectors":[{"id":"x","files":{"input":"../victim"}}]}'
    (root / "set" / "index.json").write_text(index)
    return ["vectors", "generate", "--out", "set"]


def _a_file(root: Path) -> list[str | bytes]:
    (root / "file").write_text("a file")
    return ["vectors", "generate", "--out", "file"]


def _cwd_with_files(root: Path) -> list[str | bytes]:
    (root / "README").write_text("a project")
    return ["vectors", "generate", "--out", "."]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_unrelated_with_index, "is not an aqwal-vectors/1 index"),
        (_vector_index_escaping, "outside the set"),
        (_a_file, "is a regular file, not a directory"),
        (_cwd_with_files, "holds no vector index"),
    ],
    ids=["unrelated-dir-with-index", "index-naming-outside-files", "a-file", "dot"],
)
def test_vectors_generate_refuses_what_is_not_a_vector_set(
    make: Callable[[Path], list[str | bytes]], message: str, tmp_path: Path
) -> None:
    _check(Case("generate", lambda root: (make(root), None), 2, message), tmp_path)


# ---------------------------------------------------------------------------------------------
# paths that are not UTF-8, and stdout that is


NOT_UTF8 = b"bad\xff"
NOT_UTF8_COMMANDS = (
    ([b"verify", NOT_UTF8], 0),
    ([b"verify", NOT_UTF8, b"--json"], 0),
    ([b"inspect", NOT_UTF8], 0),
    ([b"inspect", NOT_UTF8, b"--json"], 0),
    ([b"repair", NOT_UTF8, b"--in-place"], 0),
    ([b"replay", NOT_UTF8 + b"/nothing"], 2),
)


@pytest.mark.parametrize(
    "run",
    [run_aqwal, run_aqwal_process],
    ids=["in-process", "subprocess"],
)
def test_paths_that_are_not_utf8_are_printed_escaped(
    run: Callable[..., subprocess.CompletedProcess[bytes]], tmp_path: Path
) -> None:
    # in a subprocess, stdout's strict encoding comes from the environment
    d = Path(os.fsdecode(bytes(tmp_path) + b"/" + NOT_UTF8))
    make_data_dir(d.parent, os.fsdecode(NOT_UTF8))
    env = {"PYTHONIOENCODING": "utf-8:strict", "LC_ALL": "C.UTF-8"}
    for argv, status in NOT_UTF8_COMMANDS:
        result = run(list(argv), tmp_path, env=env)
        assert result.returncode == status, result.stderr
        assert b"Traceback" not in result.stderr
        shown = result.stdout + result.stderr
        # as text, or inside a JSON string (whose backslash is escaped)
        assert b"bad\\xff" in shown or b"bad\\\\xff" in shown, shown


# ---------------------------------------------------------------------------------------------
# the internal-error catch-all


def test_an_unexpected_exception_is_one_line_with_exit_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import aqwal.cli as cli

    def broken(args: object) -> int:
        raise RuntimeError("the bug\nspread over lines")

    monkeypatch.setattr(cli, "cmd_inspect", broken)
    monkeypatch.delenv("AQWAL_DEBUG", raising=False)
    assert main(["inspect", "x"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("aqwal: internal error: RuntimeError: the bug spread over lines")
    assert "please report" in err
    with pytest.raises(RuntimeError):
        main(["--debug", "inspect", "x"])
    monkeypatch.setenv("AQWAL_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main(["inspect", "x"])


def test_an_aqwal_error_a_command_did_not_catch_is_still_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import aqwal.cli as cli
    from aqwal.errors import FrameError

    def raising(args: object) -> int:
        raise FrameError("frame_too_short", "3 bytes", offset=0)

    monkeypatch.setattr(cli, "cmd_inspect", raising)
    assert main(["inspect", "x"]) == 1
    assert capsys.readouterr().err == "aqwal: frame_too_short at offset 0 [FRM-5]: 3 bytes\n"


def test_encode_refuses_a_payload_over_the_limit_before_building_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # spec: FRM-6 — with the limit made small, a long string is refused without encoding it
    import aqwal.jsonlines as jsonlines

    def never(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("the payload was built")

    monkeypatch.setattr(jsonlines, "MAX_PAYLOAD_LEN", 1000)
    monkeypatch.setattr(jsonlines, "encode_record", never)
    line = (
        '{"sequence":1,"event":{"RunSuspended":{"run_id":"00000000-0000-0000-0000-000000000001",'
        '"reason":"' + "x" * 2000 + '","timestamp":1}}}\n'
    )
    (tmp_path / "in.jsonl").write_text(line)
    assert main(["encode", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "out.wal")]) == 1
    assert "payload_too_large_to_write" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def _set_with_fifo_index(root: Path) -> str:
    (root / "set").mkdir()
    os.mkfifo(root / "set" / "index.json")
    return "set"


def _set_with_fifo_member(root: Path) -> str:
    # a well-formed entry of the repository's set whose input file is a FIFO
    vectors = Path(__file__).resolve().parents[1] / "vectors"
    index = json.loads((vectors / "index.json").read_text(encoding="utf-8"))
    entry = index["vectors"][0]
    index["vectors"] = [entry]
    for kind, rel in entry["files"].items():
        (root / "set" / rel).parent.mkdir(parents=True, exist_ok=True)
        if kind == "input":
            os.mkfifo(root / "set" / rel)
        else:
            (root / "set" / rel).write_bytes((vectors / rel).read_bytes())
    (root / "set" / "index.json").write_text(json.dumps(index))
    return "set"


def _set_with_garbage_entries(root: Path) -> str:
    (root / "set").mkdir()
    (root / "set" / "index.json").write_text('{"format":"aqwal-vectors/1","vectors":[1, 2]}')
    return "set"


@pytest.mark.parametrize("command", [["vectors", "verify"], ["vectors", "coverage"]])
@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_set_with_fifo_index, "index.json is not a regular file"),
        (_set_with_fifo_member, "is a FIFO, not a regular file"),
        (_set_with_garbage_entries, "entry #0: not an object"),
        (_directory, "index.json: No such file or directory"),
    ],
    ids=["index-fifo", "member-fifo", "garbage-entries", "empty-directory"],
)
def test_reading_a_hostile_vector_set(
    command: list[str], make: Callable[[Path], str], message: str, tmp_path: Path
) -> None:
    # spec: WAL-15 — never a hang on a FIFO, never a traceback on a malformed index
    _check(Case("vectors", lambda root: ([*command, make(root)], None), 2, message), tmp_path)


# ---------------------------------------------------------------------------------------------
# a sample of the cases in a separate process: the module entry point, stdin and stdout as
# file descriptors, a fresh interpreter's stack and address-space cap


def _sample_cases() -> list[Case]:
    by_id = {c.id: c for c in _not_regular_cases()}

    def from_zero(argv: list[str | bytes]) -> Callable[[Path], tuple[list[str | bytes], str]]:
        return lambda root: (argv, "/dev/zero")

    def deep_json(root: Path) -> tuple[list[str | bytes], None]:
        (root / "lines.jsonl").write_text(JSON_LINE + HOSTILE_LINES["deep-nesting"])
        return ["encode", "lines.jsonl", "-o", "out.wal"], None

    def truncated_snapshot(root: Path) -> tuple[list[str | bytes], None]:
        (root / "snap.bin").write_bytes(SNAPSHOT[:-1])
        return ["snapshot", "show", "snap.bin"], None

    def into_the_input(root: Path) -> tuple[list[str | bytes], None]:
        (root / "input").write_bytes(LOG + b"\x05")
        (root / "target").symlink_to("input")
        return ["repair", "input", "--policy", "truncate-partial", "-o", "target"], None

    def snapshot_from_dev_zero(root: Path) -> tuple[list[str | bytes], None]:
        _snap_zero(make_data_dir(root))
        return ["replay", "dd"], None

    return [
        by_id["decode-fifo"],
        by_id["replay-dev-zero-link"],
        Case("decode-dev-zero-stdin", from_zero(["decode", "-"]), 1, "frame_version_unsupported"),
        Case("payload-dev-zero-stdin", from_zero(["decode", "--payload", "-"]), 1, "longer than"),
        Case("encode-deep-nesting", deep_json, 1, "line 2: form_syntax"),
        Case("show-truncated", truncated_snapshot, 1, "snapshot_truncated_payload"),
        Case("repair-into-its-input", into_the_input, 2, "input"),
        Case("replay-snapshot-dev-zero", snapshot_from_dev_zero, 0, UNREADABLE),
    ]


@pytest.mark.parametrize("case", _sample_cases(), ids=lambda c: c.id)
def test_a_sample_of_the_cases_in_a_separate_process(case: Case, tmp_path: Path) -> None:
    _check(case, tmp_path, run_aqwal_process)
