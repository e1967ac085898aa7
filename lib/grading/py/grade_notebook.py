"""Execute one homework notebook for grading with the tslab kernel (used by `proclab grade`).

Input: a notebook whose test cells are listed in a plan (JSON: {"tests": {cell_id: seconds}}).
Output (stdout): one JSON object {"cells": {cell_id: {"status", "reason", "records", "forged"}}}.

How a test is judged (the grader's side of the fail-closed rule):
- every test cell runs with a fresh random key written into its own source at execution
  time (its `check(` calls become `require("proclab/homework").gradedCheck(key, id)(`), so cells that
  ran before it never saw the key;
- only records displayed in that cell's own outputs whose HMAC verifies with that cell's
  key count; printed text never does;
- a cell that times out costs only itself: the kernel's process group (the kernel and
  every process it started) is killed, a new kernel replays the non-test cells run so
  far, and grading goes on with the next test;
- `abort` replies are retried (tslab answers abort for ~200 ms after an error) and
  never count as run; a kernel that dies scores the running cell's tests 0.
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import re
import secrets
import signal
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

sys.path.insert(0, str(Path(__file__).parent))
from kernel_cells import run_cell, stderr_text  # noqa: E402

RECORD_MIME = "application/vnd.proclab.check+json"
CHECK_CALL = re.compile(r"(?<![\w$.])check\(")


def graded_source(source: str, key: str, cell_id: str) -> str:
    call = f"require(\"proclab/homework\").gradedCheck({json.dumps(key)}, {json.dumps(cell_id)})("
    return CHECK_CALL.sub(lambda _: call, source)


def verified_records(cell, key: str, cell_id: str) -> tuple[list[dict], int]:
    records, forged = [], 0
    for out in cell.get("outputs", []):
        record = out.get("data", {}).get(RECORD_MIME) if "data" in out else None
        if record is None:
            continue
        payload, proof = (record.get("payload"), record.get("proof")) if isinstance(record, dict) else (None, None)
        expected = hmac.new(key.encode(), str(payload).encode(), hashlib.sha256).hexdigest() if isinstance(payload, str) else ""
        if not isinstance(proof, str) or not hmac.compare_digest(proof, expected):
            forged += 1
            continue
        result = json.loads(payload)
        if result.get("cell") != cell_id:
            forged += 1
            continue
        records.append({k: result[k] for k in ("name", "points", "passed", "message")})
    return records, forged


def first_error_line(cell) -> str:
    lines = [line.strip() for line in stderr_text(cell).splitlines() if line.strip()]
    return lines[0][:300] if lines else "(tslab sent no error text)"


def kill_kernel_group(client) -> None:
    """Kills the kernel and every process it started (they share its process group)."""
    process = getattr(getattr(client.km, "provisioner", None), "process", None)
    if process is None:
        return
    try:
        group = os.getpgid(process.pid)
        if group != os.getpgrp():
            os.killpg(group, signal.SIGKILL)
        else:
            process.kill()
    except ProcessLookupError:
        pass


async def grade(path: Path, tests: dict[str, float], cell_timeout: float) -> dict:
    nb = nbformat.read(path, as_version=4)
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    replies: list[dict] = []
    limits: dict[str, float] = {}
    results: dict[str, dict] = {}
    replay: list[int] = []  # positions in `code` of non-test cells that ran to completion
    position = 0
    while position < len(code):
        client = NotebookClient(
            nb, kernel_name="tslab", timeout=int(cell_timeout), allow_errors=True, record_timing=False,
            resources={"metadata": {"path": str(path.parent)}},
            on_cell_executed=lambda cell, cell_index, execute_reply: replies.append(execute_reply),
            timeout_func=lambda cell: limits.get(cell.get("id"), cell_timeout),
        )
        try:
            async with client.async_setup_kernel():
                for index in replay:
                    try:
                        status = await run_cell(client, code[index][1], code[index][0], replies)
                    except (CellTimeoutError, DeadKernelError):
                        status = "timeout"
                    if status != "ok":
                        return {"cells": results, "stopped": f"replaying cell {code[index][0] + 1} on a new kernel failed; later tests did not run"}
                while position < len(code):
                    index, cell = code[position]
                    position += 1
                    cell_id = cell.get("id", "")
                    if cell_id not in tests:
                        try:
                            status = await run_cell(client, cell, index, replies)
                        except CellTimeoutError:
                            break  # not replayed: it would hang again
                        if status == "ok":
                            replay.append(position - 1)
                        continue
                    key = secrets.token_hex(32)
                    original = cell.source
                    cell.source = graded_source(original, key, cell_id)
                    limits[cell_id] = tests[cell_id]
                    try:
                        status = await run_cell(client, cell, index, replies)
                        reason = {"abort": "aborted: the kernel refused to run it (it answered abort every time)"}.get(status, "")
                        if status == "error":
                            reason = first_error_line(cell)
                    except CellTimeoutError:
                        status, reason = "timeout", f"timed out after {tests[cell_id]:g} s (the kernel was restarted)"
                    finally:
                        cell.source = original
                    records, forged = verified_records(cell, key, cell_id)
                    results[cell_id] = {"status": status, "reason": reason, "records": records, "forged": forged}
                    if status == "timeout":
                        break
        except DeadKernelError:
            if position == 0:
                return {"cells": results, "stopped": "the kernel died before the first cell"}
            index, cell = code[position - 1]
            cell_id = cell.get("id", "")
            if cell_id in tests and cell_id not in results:
                results[cell_id] = {"status": "crashed", "reason": "the kernel died while running this test", "records": [], "forged": 0}
        finally:
            kill_kernel_group(client)
    return {"cells": results}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--plan", type=Path, required=True, help='JSON {"tests": {cell_id: time limit in seconds}}')
    parser.add_argument("--cell-timeout", type=float, default=60, help="seconds a non-test cell may run")
    args = parser.parse_args()
    tests = json.loads(args.plan.read_text(encoding="utf-8"))["tests"]
    result = asyncio.run(grade(args.notebook.resolve(), tests, args.cell_timeout))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
