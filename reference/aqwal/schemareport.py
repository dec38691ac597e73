"""The report of ``aqwal schema diff`` as text, JSON or Markdown (spec: VER-12, VER-22)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from aqwal.schemadiff import Change, version_advice


@dataclass(frozen=True)
class DiffReport:
    old: str
    new: str
    registries: tuple[str, ...]  # the registry names compared
    changes: tuple[Change, ...]

    @property
    def breaking(self) -> list[Change]:
        return [c for c in self.changes if c.severity == "breaking"]

    @property
    def advice(self) -> list[str]:
        return version_advice(list(self.changes))


def as_text(r: DiffReport) -> str:
    lines = [f"{r.old} -> {r.new}: {len(r.changes)} change(s), {len(r.breaking)} breaking"]
    for c in r.changes:
        lines.append(
            f"  {c.severity.upper():10} {c.scope:8} {c.path}: {c.kind} "
            f"({c.old} -> {c.new}) [{c.rule}]"
        )
    lines.extend(f"  needs a version bump: {line}" for line in r.advice)
    return "\n".join(lines) + "\n"


def as_json(r: DiffReport) -> str:
    doc = {
        "old": r.old,
        "new": r.new,
        "registries": list(r.registries),
        "compatible": not r.breaking,
        "changes": [c.as_dict() for c in r.changes],
        "version_bumps": r.advice,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _cell(text: str) -> str:
    """Text for a Markdown table cell: pipes escaped, code spans kept intact."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    if text == "-":
        return "-"
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{_cell(text)}{pad}{fence}"


def as_markdown(r: DiffReport) -> str:
    """A pull-request comment: verdict first, then one table row per change."""
    if not r.changes:
        verdict = "no change to the encoded types"
    elif r.breaking:
        verdict = f"**{len(r.breaking)} breaking** of {len(r.changes)} change(s)"
    else:
        verdict = f"{len(r.changes)} change(s), all compatible"
    out = [
        f"### aqwal schema diff: {verdict}",
        "",
        f"{_code(r.old)} → {_code(r.new)} (registries: {', '.join(r.registries) or '-'})",
    ]
    if r.changes:
        out += [
            "",
            "| verdict | scope | where | change | old → new | rule |",
            "|---|---|---|---|---|---|",
        ]
        for c in sorted(r.changes, key=lambda c: c.severity != "breaking"):
            out.append(
                f"| {'**breaking**' if c.severity == 'breaking' else 'compatible'} | {c.scope} "
                f"| {_code(c.path)} | {_cell(c.kind)} | {_code(c.old)} → {_code(c.new)} "
                f"| {c.rule} |"
            )
    if r.advice:
        out += ["", "**Version bumps**", ""]
        out += [f"- {_cell(line)}" for line in r.advice]
    return "\n".join(out) + "\n"


FORMATS: dict[str, Callable[[DiffReport], str]] = {
    "text": as_text,
    "json": as_json,
    "markdown": as_markdown,
}
