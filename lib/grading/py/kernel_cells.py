"""Running one cell in a tslab kernel: shared by the grader and the notebook runner (scripts/py)."""
from __future__ import annotations

import asyncio

# tslab answers `abort` for ~200 ms after an error: such a cell did not run, so run it again.
ABORT_RETRIES = 10
ABORT_BACKOFF_S = 0.3


def stderr_text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == "stderr")


async def run_cell(client, cell, index, replies) -> str:
    """Runs one cell; retries while tslab answers `abort` (the cell did not run)."""
    for attempt in range(ABORT_RETRIES):
        replies.clear()
        cell.outputs = []
        await client.async_execute_cell(cell, index)
        status = replies[-1]["content"]["status"] if replies else "error"
        if status != "abort":
            return status
        await asyncio.sleep(ABORT_BACKOFF_S)
    return "abort"
