// What a finished Run All must show, judged from the page's cells and the notebook's
// metadata (`proclab.expect`: `plots` = figures the cell draws, `progress` = the cell
// shows output while it is still running). Pure functions: the browser only supplies data.

const ERROR_MIME = "application/vnd.jupyter.error";
const STDERR_MIME = "application/vnd.jupyter.stderr";
// tslab reports a failed cell on stderr: a TypeScript diagnostic ("3:7 - Cannot find name …")
// or an uncaught error with its stack. Lines a proclab child printed start with "[Process-1] ".
const TSLAB_FAILURE = [/^(?:\S+ )?\d+:\d+ - .+$/m, /^(?:Uncaught )?[A-Za-z]*(?:Error|Exception)\b.*(?=\n\s+at )/m];

/** The notebook's cells as the test needs them (from the .ipynb JSON). */
export function expectedCells(notebook) {
  return notebook.cells.map((cell, index) => {
    const source = Array.isArray(cell.source) ? cell.source.join("") : (cell.source ?? "");
    const expect = cell.metadata?.proclab?.expect ?? {};
    return {
      index,
      code: cell.cell_type === "code",
      runnable: cell.cell_type === "code" && source.trim() !== "",
      raises: (cell.metadata?.tags ?? []).includes("raises-exception"),
      plots: Number(expect.plots ?? 0),
      progress: expect.progress === true,
    };
  });
}

/** The first tslab failure message in `text`, or null. */
export function tslabFailure(text) {
  for (const pattern of TSLAB_FAILURE) {
    const match = pattern.exec(text);
    if (match) return match[0].trim();
  }
  return null;
}

/**
 * Problems of a finished Run All (empty when it passed).
 * @param expected expectedCells(notebook)
 * @param shown    the page's cells: { prompt, outputs: [{ mime, text }], drawn }
 * @param progressSeen indexes of cells that showed output while their prompt was [*]
 */
export function judgeRun(expected, shown, progressSeen) {
  if (expected.length !== shown.length) return [`the page shows ${shown.length} cells, the notebook has ${expected.length}`];
  const problems = [];
  expected.forEach((cell, i) => {
    const label = `cell ${i + 1}`;
    const page = shown[i];
    if (!cell.runnable) return;
    if (!/^\d+$/.test(page.prompt)) {
      problems.push(`${label} did not run (its prompt shows [${page.prompt}])`);
      return;
    }
    if (!cell.raises) {
      for (const output of page.outputs) {
        const failure =
          output.mime === ERROR_MIME ? output.text.trim().split("\n")[0] : output.mime === STDERR_MIME ? tslabFailure(output.text) : null;
        if (failure) problems.push(`${label} shows an error: ${failure.slice(0, 200)}`);
      }
    }
    if (page.drawn < cell.plots) problems.push(`${label} should draw ${cell.plots} plotly figure(s), ${page.drawn} drawn`);
    if (cell.progress && !progressSeen.has(i)) problems.push(`${label} showed no output while it was running (live progress expected)`);
  });
  return problems;
}
