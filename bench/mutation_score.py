"""Summarise `mutmut results --all true`: the score per module and the survivors."""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict

UNTESTED = {"not checked", "skipped"}


def main(path: str) -> None:
    """Print killed / tested per module, the total, and each survivor's name."""
    by_module: defaultdict[str, Counter[str]] = defaultdict(Counter)
    survivors: list[str] = []
    with open(path, encoding="utf-8") as results:
        for line in results:
            match = re.match(r"\s*(\S+?)__mutmut_\d+: (.+)", line)
            if not match:
                continue
            name, status = match.group(1), match.group(2).strip()
            module = name.split(".x")[0] if ".x" in name else name.rsplit(".", 1)[0]
            by_module[module][status] += 1
            if status not in UNTESTED | {"killed"}:
                survivors.append(line.strip())
    total: Counter[str] = Counter()
    for module, counts in sorted(by_module.items()):
        total.update(counts)
        print(_line(module, counts))
    print(_line("total", total))
    print(f"\n{len(survivors)} not killed:")
    print("\n".join(survivors))


def _line(label: str, counts: Counter[str]) -> str:
    tested = sum(n for status, n in counts.items() if status not in UNTESTED)
    killed = counts["killed"]
    score = 100.0 * killed / tested if tested else 0.0
    untested = sum(counts[s] for s in UNTESTED)
    return f"{label:32s} {score:5.1f}%  killed {killed:4d} of {tested:4d}  (not run: {untested})"


if __name__ == "__main__":
    main(sys.argv[1])
