"""Garbled halconfigs never crash the loader: it returns a Hal or raises InputError with located problems.

Seeded mutations of Kleat's testdata text (byte flips, cuts, YAML indicator characters, duplicated or
re-indented lines) go through load_halconfig in-process; any other exception is a bug (exit 1 in the CLI).
"""

from __future__ import annotations

import random
from pathlib import Path

from spinops.errors import InputError
from spinops.halconfig.load import load_halconfig

KLEAT = Path(__file__).resolve().parents[1] / "fixtures" / "kleat" / "halconfig.yml"
SPECIAL = list(":-?[]{},&*!|>'\"%@`#\t\n ") + [
    "<<: *x",
    "&a ",
    "*a",
    "---\n",
    "...\n",
    "\\",
    "\x00",
    "\ufeff",
    "yes",
    "0777",
]


def mutate(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        i = rng.randrange(len(lines))
        if op == 0:  # insert an indicator somewhere in a line
            ln = lines[i]
            j = rng.randint(0, len(ln))
            lines[i] = ln[:j] + rng.choice(SPECIAL) + ln[j:]
        elif op == 1:  # delete a character
            ln = lines[i]
            if ln:
                j = rng.randrange(len(ln))
                lines[i] = ln[:j] + ln[j + 1 :]
        elif op == 2:  # duplicate a line (duplicate keys, conflicting structure)
            lines.insert(i, lines[i])
        elif op == 3:  # re-indent a line
            lines[i] = " " * rng.choice([0, 1, 3, 5, 8]) + lines[i].lstrip()
        elif op == 4:  # cut the file
            lines = lines[:i]
            if not lines:
                lines = [""]
        else:  # swap two lines
            k = rng.randrange(len(lines))
            lines[i], lines[k] = lines[k], lines[i]
    return "\n".join(lines)


def test_mutated_halconfigs_load_or_fail_cleanly(tmp_path):
    base = KLEAT.read_text()
    rng = random.Random(1127)
    f = tmp_path / "halconfig.yml"
    outcomes = {"ok": 0, "input-error": 0}
    for _ in range(250):
        data = mutate(base, rng).encode("utf-8", "surrogatepass")
        f.write_bytes(data)
        try:
            load_halconfig(f)
            outcomes["ok"] += 1
        except InputError as e:
            outcomes["input-error"] += 1
            assert e.problems
            for p in e.problems:
                assert p.file == str(f)
                assert p.message
                assert p.line is None or p.line >= 1
                assert p.column is None or p.column >= 1
    assert outcomes["ok"] > 0 and outcomes["input-error"] > 100, outcomes
