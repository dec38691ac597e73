"""Vector sets made for a test: some cases of the committed set, with their files copied."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def copy_of_cases(root: Path, entries: list[dict[str, Any]]) -> Path:
    """A vector set at ``root`` of these index entries and their files, copied."""
    for entry in entries:
        for relative in entry["files"].values():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(VECTORS / relative, root / relative)
    index = json.loads((VECTORS / "index.json").read_text(encoding="utf-8"))
    index["vectors"] = entries
    (root / "index.json").write_text(json.dumps(index), encoding="utf-8")
    return root
