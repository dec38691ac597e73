"""The README's commands are the ones CI runs, and its examples are true."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_two_commands() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert first_block is not None
    commands = first_block.group(1).strip().splitlines()
    assert len(commands) == 2
    assert commands[0].startswith("pip install . && aqwal ")
    assert commands[1] == "pip install -e '.[test]' && pytest && mypy --strict && ruff check"


def test_ci_runs_the_readme_test_command() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert first_block is not None
    test_command = first_block.group(1).strip().splitlines()[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    # set -e does not stop at a failure inside an && list, so the line ends with || exit 1
    assert f"( {test_command} ) || exit 1" in ci.splitlines()


def test_python_example_runs() -> None:
    block = re.search(r"```python\n(.*?)```", README, re.S)
    assert block is not None
    exec(compile(block.group(1), "README.md", "exec"), {})


def test_ci_runs_the_readme_ci_recipe() -> None:
    section = README.split("### In CI", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    install, *commands = block.group(1).strip().split("\n")
    assert install == "pip install 'aqwal[test]'"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    recipe = "\n".join(commands)
    assert recipe.startswith("aqwal conform --iut") and "--stateful" in recipe
    assert "\n".join("    " + line for line in commands) in ci
