// One notebook, as a teacher runs it: open it in JupyterLab, Run › Run All Cells, watch
// the cells while they run, then judge what the page shows and take a screenshot.
import * as fs from "node:fs";
import * as path from "node:path";
import { kernelState, openNotebook, readCells, runAll } from "./lab-page.mjs";
import { expectedCells, judgeRun } from "./verdict.mjs";

const POLL_MS = 250;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Clicks Run All and polls the page until no cell is queued or running. Returns the
 * seconds it took and the indexes of cells that showed output while still running.
 */
export async function runAllAndWatch(page, expected, timeoutMs) {
  const before = (await readCells(page, { text: false })).map((cell) => cell.prompt);
  await runAll(page);
  const started = Date.now();
  const progressSeen = new Set();
  let sawRunning = false;
  let quietPolls = 0;
  for (;;) {
    const cells = await readCells(page, { text: false });
    const running = cells.map((cell, i) => (cell.prompt === "*" ? i : -1)).filter((i) => i >= 0);
    for (const i of running) if (cells[i].outputs.length > 0 && expected[i]?.progress) progressSeen.add(i);
    sawRunning ||= running.length > 0;
    // Counts saved in the notebook do not count: only ones this Run All wrote.
    const allRan = expected.every((cell, i) => !cell.runnable || (/^\d+$/.test(cells[i]?.prompt ?? "") && cells[i].prompt !== before[i]));
    // Finished: nothing queued for two polls in a row, after Run All visibly started (or all ran).
    quietPolls = running.length === 0 && (sawRunning || allRan) ? quietPolls + 1 : 0;
    if (quietPolls >= 2) return { seconds: (Date.now() - started - POLL_MS) / 1000, progressSeen };
    if (Date.now() - started > timeoutMs) {
      const still = running.map((i) => i + 1).join(", ") || "none visibly";
      throw new Error(`Run All did not finish within ${timeoutMs / 1000} s (cells still queued or running: ${still})`);
    }
    await sleep(POLL_MS);
  }
}

/** Waits (bounded) for plot cells to finish drawing: plotly draws after the output arrives. */
async function settlePlots(page, expected, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let cells = await readCells(page, { text: false });
  while (Date.now() < deadline && expected.some((cell, i) => cell.plots > (cells[i]?.drawn ?? 0))) {
    await sleep(POLL_MS);
    cells = await readCells(page, { text: false });
  }
  return readCells(page);
}

/** Scrolls to the last plot (else the last cell), so the screenshot shows what the notebook made. */
async function screenshot(page, expected, file) {
  const target = [...expected].reverse().find((cell) => cell.plots > 0) ?? expected.at(-1);
  if (target) {
    await page
      .locator("#jp-main-dock-panel .jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
      .nth(target.index)
      .scrollIntoViewIfNeeded({ timeout: 10_000 })
      .catch(() => {});
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file });
}

/**
 * Runs one notebook in the browser. `notebookPath` is absolute; `rootDir` is the server's root.
 * `inspect(page)`, if given, runs after the cells and returns more problems (e.g. missing glyphs).
 * Returns { notebook, seconds, plots, problems, screenshot }.
 */
export async function checkNotebookRunAll({ context, lab, notebookPath, rootDir, screenshotFile, timeoutMs = 120_000, inspect }) {
  const expected = expectedCells(JSON.parse(fs.readFileSync(notebookPath, "utf8")));
  const result = { notebook: path.basename(notebookPath), seconds: null, plots: 0, problems: [], screenshot: screenshotFile };
  const page = await context.newPage();
  page.on("pageerror", (error) => {
    // JupyterLab's debugger probes every kernel; tslab has none. Not the notebook's fault.
    if (!/No active debugger session/.test(error.message)) result.problems.push(`page error: ${error.message.split("\n")[0]}`);
  });
  try {
    await openNotebook(page, lab, path.relative(rootDir, notebookPath).split(path.sep).join("/"));
    const kernel = await kernelState(page);
    if (kernel.name !== "TypeScript") result.problems.push(`the notebook's kernel is "${kernel.name}", expected "TypeScript" (tslab)`);
    const { seconds, progressSeen } = await runAllAndWatch(page, expected, timeoutMs);
    result.seconds = seconds;
    const cells = await settlePlots(page, expected);
    result.plots = cells.reduce((sum, cell) => sum + cell.drawn, 0);
    result.problems.push(...judgeRun(expected, cells, progressSeen));
    if (inspect) result.problems.push(...(await inspect(page)));
  } catch (error) {
    result.problems.push(error.message);
  } finally {
    await screenshot(page, expected, screenshotFile).catch((error) => result.problems.push(`screenshot failed: ${error.message}`));
    await page.close();
  }
  return result;
}
