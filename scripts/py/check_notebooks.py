"""Check that committed notebooks are valid nbformat 4, use the tslab kernel and carry no outputs."""
from __future__ import annotations

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
