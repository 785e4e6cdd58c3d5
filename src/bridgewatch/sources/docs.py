"""Keep the option tables in ``docs/sources/*.md`` generated from the readers' declared options.

A doc marks where a reader's table goes with ``<!-- options: <reader> -->`` … ``<!-- /options -->``;
``python -m bridgewatch.sources.docs docs/sources`` rewrites the blocks, and a test checks the
committed docs equal their refreshed text, so an option cannot exist undocumented.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from bridgewatch.sources import READERS

BLOCK = re.compile(r"(<!-- options: (?P<name>[a-z0-9_]+) -->\n).*?(<!-- /options -->)", re.DOTALL)


def options_table(reader: str) -> str:
    """The markdown table of one reader's options."""
    lines = ["| option | default | what it does |", "|---|---|---|"]
    for key, option in READERS[reader].options.items():
        default = "—" if option.default is None else f"`{json.dumps(option.default, ensure_ascii=False)}`"
        lines.append(f"| `{key}` | {default} | {option.doc.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def refresh(text: str) -> str:
    """``text`` with every options block regenerated."""
    return BLOCK.sub(lambda m: m.group(1) + options_table(m.group("name")) + m.group(3), text)


def main(folder: str) -> None:
    for path in sorted(Path(folder).glob("*.md")):
        path.write_text(refresh(path.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/sources")
