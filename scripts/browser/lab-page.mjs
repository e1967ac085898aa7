// Driving JupyterLab's notebook UI the way a teacher does (menus, dialogs), and reading
// what the page shows: the kernel name, each cell's prompt, outputs and drawn plots.

const PANEL = "#jp-main-dock-panel .jp-NotebookPanel:not(.lm-mod-hidden)";

/** Waits for `predicate` (run in the page); the error says what was awaited. */
export async function waitInPage(page, what, predicate, arg, timeoutMs) {
  try {
    await page.waitForFunction(predicate, arg, { timeout: timeoutMs, polling: 200 });
  } catch (error) {
    if (error?.name !== "TimeoutError") throw error;
    throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
  }
}

/** Kernel name and status as the notebook's toolbar and status bar show them. */
export function kernelState(page) {
  return page.evaluate((panel) => {
    const root = document.querySelector(panel);
    return {
      name: root?.querySelector(".jp-KernelName")?.textContent?.trim() ?? null,
      status: root?.querySelector(".jp-Notebook-ExecutionIndicator")?.getAttribute("data-status") ?? null,
    };
  }, PANEL);
}

/** Opens a notebook (path relative to the server root) in a fresh page load; waits for its kernel. */
export async function openNotebook(page, lab, relativePath, timeoutMs = 90_000) {
  // ?reset: a clean workspace, so only this notebook is open.
  await page.goto(lab.url(`/lab/tree/${relativePath.split("/").map(encodeURIComponent).join("/")}?reset`), { timeout: timeoutMs });
  await waitInPage(
    page,
    `JupyterLab to show ${relativePath} with a started kernel`,
    (panel) => {
      const root = document.querySelector(panel);
      const name = root?.querySelector(".jp-KernelName")?.textContent?.trim();
      const status = root?.querySelector(".jp-Notebook-ExecutionIndicator")?.getAttribute("data-status");
      return root?.querySelector(".jp-Cell") && name && name !== "No Kernel" && status === "idle";
    },
    PANEL,
    timeoutMs,
  );
}

/** Clicks a main-menu item: `menu` is its label, `command` the JupyterLab command it runs. */
export async function chooseMenu(page, menu, command) {
  await page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", { hasText: new RegExp(`^${menu}$`) }).click();
  await page.locator(`.lm-Menu .lm-Menu-item[data-command="${command}"]:not(.lm-mod-disabled)`).click();
}

/** Run › Run All Cells. */
export const runAll = (page) => chooseMenu(page, "Run", "runmenu:run-all");
/** Kernel › Interrupt Kernel. */
export const interruptKernel = (page) => chooseMenu(page, "Kernel", "kernelmenu:interrupt");

/** Kernel › Restart Kernel…, confirmed in its dialog. */
export async function restartKernel(page) {
  await chooseMenu(page, "Kernel", "kernelmenu:restart");
  await page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").click();
}

/**
 * Every cell as the page shows it: `prompt` is the execution count ("" when never run,
 * "*" while queued or running), outputs with their MIME type and text, and how many
 * plotly figures have an SVG drawn. `text: false` leaves every output's text empty: a
 * poll while cells run must stay cheap, or the test itself loads the machine it times.
 * Text is read only from stream, error and plain outputs: an HTML output's textContent
 * holds inline scripts (plotly.js, 3.5 MB), and shipping that over CDP on every read
 * cost the renderer about a second per read, as much CPU as the notebook's buyers got.
 */
export function readCells(page, { text = true } = {}) {
  return page.evaluate(
    ({ panel, withText }) => {
      const root = document.querySelector(panel);
      const textual = (mime) => mime.startsWith("application/vnd.jupyter") || mime === "text/plain";
      return [...(root?.querySelectorAll(".jp-Notebook .jp-Cell") ?? [])].map((cell) => {
        const prompt = cell.querySelector(".jp-InputArea-prompt")?.textContent ?? "";
        return {
          code: cell.classList.contains("jp-CodeCell"),
          prompt: (/\[(.*)\]/.exec(prompt)?.[1] ?? "").trim(),
          outputs: [...cell.querySelectorAll(".jp-OutputArea-output")].map((output) => {
            const mime = output.getAttribute("data-mime-type") ?? "";
            return { mime, text: withText && textual(mime) ? (output.textContent ?? "") : "" };
          }),
          plots: cell.querySelectorAll(".js-plotly-plot").length,
          drawn: [...cell.querySelectorAll(".js-plotly-plot")].filter((plot) => plot.querySelector(".main-svg")).length,
        };
      });
    },
    { panel: PANEL, withText: text },
  );
}
