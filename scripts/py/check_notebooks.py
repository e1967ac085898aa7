"""Check that committed notebooks are valid nbformat 4, use the tslab kernel and carry no outputs,
and that every claim("…") a cell makes is one its expectation asserts (claims are tests)."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat


def problems_of(path: Path) -> list[str]:
    try:
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    except Exception as exc:
        return [f"not a readable notebook: {exc}"]
    problems = []
    if nb.get("nbformat") != 4:
        problems.append(f"nbformat is {nb.get('nbformat')}, expected 4")
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        problems.append(f"invalid nbformat 4: {exc.message}")
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    if kernel != "tslab":
        problems.append(f"kernelspec is {kernel!r}, expected 'tslab'")
    for index, cell in enumerate(nb.cells, start=1):
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None):
            problems.append(f"cell {index} is committed with outputs or an execution count (clear them)")
        # An edition's claim expectations are generated from the English ones (scripts/editions.mjs),
        # which this check reads; its `editions check` proves the edition is what generation writes.
        if cell.cell_type == "code" and not nb.metadata.get("proclab", {}).get("edition"):
            problems.extend(f"cell {index}: {p}" for p in unasserted_claims(cell))
    return problems


CLAIM = re.compile(r'\bclaim\(\s*("(?:[^"\\]|\\.)*")')


def unasserted_claims(cell) -> list[str]:
    """Each claim("statement", …) in the cell must be matched by one of its output_includes."""
    patterns = cell.get("metadata", {}).get("proclab", {}).get("expect", {}).get("output_includes", [])
    problems = []
    if len(re.findall(r"\bclaim\(", cell.source)) != len(CLAIM.findall(cell.source)):
        problems.append('a claim( whose statement is not a plain "double-quoted" string: the check cannot read it')
    for literal in CLAIM.findall(cell.source):
        line = f"claim ✓ {json.loads(literal)} — here:"
        if not any("claim ✓" in p and re.search(p, line) for p in patterns):
            problems.append(f"claim {literal} is not in the cell's expectation (add output_includes matching {line!r})")
    return problems


def main() -> int:
    failed = False
    for path in map(Path, sys.argv[1:]):
        problems = problems_of(path)
        failed |= bool(problems)
        print(f"{'ok  ' if not problems else 'FAIL'} {path.name}: " + ("valid, tslab, no outputs" if not problems else "; ".join(problems)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
