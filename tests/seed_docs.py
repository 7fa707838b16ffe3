"""The seed examples' documented outputs, and how to compare a run with them.

The documented outputs come from a web page: everything between ``<`` and
the next ``>`` was eaten as an HTML tag (so ``<Future at 0x… state=running>``
vanished), one long line was wrapped, and addresses and pids are the
author's.  ``normalise`` applies the same losses to our output.
"""

from __future__ import annotations

import re
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parent.parent / "examples" / "seeds"
SEED_SCRIPTS = sorted(p.name for p in SEEDS_DIR.glob("*.py"))


def documented_output(script: str) -> str:
    return (SEEDS_DIR / script).with_suffix(".expected").read_text()


def normalise(text: str) -> str:
    text = re.sub(r"<[^>]*>", "", text)
    text = re.sub(r"0x[0-9a-f]+", "0xADDR", text)
    pids: dict[str, str] = {}

    def pid(match: re.Match) -> str:
        return match.group(1) + pids.setdefault(match.group(2), f"PID{len(pids) + 1}")

    text = re.sub(r"(process )(\d+)", pid, text)
    return " ".join(text.split())

