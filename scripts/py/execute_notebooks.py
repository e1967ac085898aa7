"""Execute proclab notebooks headlessly with the tslab kernel, through nbclient.

Writes executed copies and HTML exports to the build folder and prints one line per
notebook: cells, seconds, errors, plots. Exits 1 when any notebook failed.

tslab quirks handled here (all observed):
- on an error tslab replies `status: error` with no ename/evalue/traceback; the message
  is on the cell's stderr stream, so that is what we report;
- for ~200 ms after an error tslab answers the next request with `status: abort`: an
  aborted cell was never run, so it is retried (and never counted as run);
- a cell tagged `raises-exception` must actually raise.
Cells may carry expectations in metadata (`proclab.expect`): `output_includes` and
`output_excludes` (regular expressions over the cell's text output) and `plots` (the
minimum number of plotly figures the cell displays). Any cell printing `claim ✗` (`断言 ✗` in
the Chinese edition) fails: a sentence of the lesson that this run contradicts (proclab's `claim()`).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

# Running one cell in a tslab kernel is shared with the grader, which lives in the library.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "lib" / "grading" / "py"))
from kernel_cells import ABORT_RETRIES, run_cell, stderr_text  # noqa: E402

PLOTLY_MIME = "application/vnd.plotly.v1+json"
SLOW_NOTEBOOK_S = 20


def cell_text(cell) -> str:
    """All text a cell showed: streams, text/plain of results and displays."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif "data" in out:
            parts.append(out["data"].get("text/plain", ""))
    return "".join(parts)


def plot_count(cell) -> int:
    return sum(1 for o in cell.get("outputs", []) if PLOTLY_MIME in o.get("data", {}))


def check_expectations(cell) -> list[str]:
    text = cell_text(cell)
    contradicted = [line.strip() for line in text.splitlines() if line.startswith(("claim ✗", "断言 ✗"))]
    problems = [f"a claim of the lesson does not hold in this run: {line}" for line in contradicted]
    expect = cell.get("metadata", {}).get("proclab", {}).get("expect")
    if not expect:
        return problems
    for pattern in expect.get("output_includes", []):
        if not re.search(pattern, text):
            problems.append(f"expected output matching /{pattern}/")
    for pattern in expect.get("output_excludes", []):
        if re.search(pattern, text):
            problems.append(f"expected no output matching /{pattern}/")
    if plot_count(cell) < expect.get("plots", 0):
        problems.append(f"expected {expect['plots']} plot(s), saw {plot_count(cell)}")
    return problems


async def execute(path: Path, timeout: int) -> dict:
    nb = nbformat.read(path, as_version=4)
    replies: list[dict] = []

    def on_executed(cell, cell_index, execute_reply):
        replies.append(execute_reply)

    client = NotebookClient(
        nb,
        kernel_name="tslab",
        timeout=timeout,
        allow_errors=True,  # we judge replies ourselves: tslab's error replies lack ename
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
        on_cell_executed=on_executed,
    )
    report = {"notebook": path.name, "cells": 0, "ran": 0, "errors": [], "plots": 0, "seconds": 0.0, "cell_seconds": {}}
    started = time.monotonic()
    async with client.async_setup_kernel():
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            report["cells"] += 1
            if report["errors"]:
                continue  # like Run All: cells after a failure are not run
            cell_started = time.monotonic()
            status = await run_cell(client, cell, index, replies)
            cell_seconds = time.monotonic() - cell_started
            report["cell_seconds"][index + 1] = round(cell_seconds, 1)
            label = f"cell {index + 1}"
            raises = "raises-exception" in cell.metadata.get("tags", [])
            if status == "abort":
                report["errors"].append(f"{label}: the kernel aborted it {ABORT_RETRIES} times; it never ran")
                continue
            report["ran"] += 1
            if status == "error" and not raises:
                report["errors"].append(f"{label} failed:\n{stderr_text(cell).strip() or '(tslab sent no error text)'}")
            elif status != "error" and raises:
                report["errors"].append(f"{label} is tagged raises-exception but did not raise")
            report["errors"].extend(f"{label}: {p}" for p in check_expectations(cell))
            report["plots"] += plot_count(cell)
    report["seconds"] = round(time.monotonic() - started, 1)
    report["executed"] = nb
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True, help="folder for executed copies, HTML and summary.json")
    parser.add_argument("--timeout", type=int, default=300, help="seconds one cell may run")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    summary, failed = [], False
    for path in args.notebooks:
        try:
            report = asyncio.run(execute(path.resolve(), args.timeout))
        except Exception as exc:  # kernel died, timeout, unreadable notebook
            report = {"notebook": path.name, "cells": 0, "ran": 0, "plots": 0, "seconds": 0.0, "cell_seconds": {}, "errors": [f"{type(exc).__name__}: {exc}"]}
        executed = report.pop("executed", None)
        if executed is not None:
            nbformat.write(executed, args.out / path.name)
            html, _ = HTMLExporter().from_notebook_node(executed)
            (args.out / path.with_suffix(".html").name).write_text(html, encoding="utf-8")
        ok = not report["errors"]
        failed |= not ok
        print(f"{'ok  ' if ok else 'FAIL'} {path.name:32} cells {report['ran']}/{report['cells']:<3} {report['seconds']:6.1f} s  errors {len(report['errors'])}  plots {report['plots']}", flush=True)
        if report["seconds"] > SLOW_NOTEBOOK_S:  # a lesson should Run All in about 20 s: say where time went
            slowest = sorted(report["cell_seconds"].items(), key=lambda item: -item[1])[:3]
            print(f"     slow: {', '.join(f'cell {cell} {seconds} s' for cell, seconds in slowest)}", flush=True)
        for error in report["errors"]:
            print("     " + error.replace("\n", "\n     "), flush=True)
        summary.append(report)
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
