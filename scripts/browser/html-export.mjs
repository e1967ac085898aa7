// The HTML export of an executed notebook (build/notebooks/<name>.html), opened from disk
// in headless Chromium: every figure output must be drawn by plotly, with no console errors.
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** Figures in the executed notebook next to the HTML: outputs carrying plotly JSON. */
export function figureCount(executedNotebookFile) {
  const notebook = JSON.parse(fs.readFileSync(executedNotebookFile, "utf8"));
  return notebook.cells.flatMap((cell) => cell.outputs ?? []).filter((output) => output.data?.[PLOTLY_MIME]).length;
}

/** `inspect(page)`, if given, returns more problems. Returns { html, figures, drawn, seconds, problems, blocked (URLs not loaded), screenshot }. */
export async function checkHtmlExport({ context, htmlFile, screenshotFile, timeoutMs = 30_000, inspect }) {
  const expected = figureCount(htmlFile.replace(/\.html$/, ".ipynb"));
  const result = { html: path.basename(htmlFile), figures: expected, drawn: 0, seconds: null, problems: [], screenshot: screenshotFile };
  const page = await context.newPage();
  // Offline, as in a classroom and deterministically: nbconvert's template links RequireJS
  // and MathJax from a CDN; those loads are blocked and listed as notes, not errors.
  // The figures must draw from what the file itself carries.
  result.blocked = [];
  await page.route(/^(?!file:)/, (route) => {
    result.blocked.push(route.request().url());
    return route.abort("internetdisconnected");
  });
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    if (/^Failed to load resource: net::ERR_INTERNET_DISCONNECTED/.test(message.text())) return; // one of `blocked`
    result.problems.push(`console error: ${message.text().split("\n")[0].slice(0, 200)}`);
  });
  page.on("pageerror", (error) => result.problems.push(`page error: ${error.message.split("\n")[0].slice(0, 200)}`));
  const started = Date.now();
  try {
    await page.goto(pathToFileURL(htmlFile).href, { waitUntil: "load", timeout: timeoutMs });
    const count = () =>
      page.evaluate(() => ({
        figures: document.querySelectorAll(".proclab-plot").length,
        drawn: [...document.querySelectorAll(".proclab-plot")].filter((el) => el.querySelector(".main-svg")).length,
      }));
    // The figures' scripts wait for plotly.js and draw; give them a bounded time.
    const deadline = Date.now() + timeoutMs;
    let seen = await count();
    while (seen.drawn < Math.max(expected, seen.figures) && Date.now() < deadline) {
      await page.waitForTimeout(200);
      seen = await count();
    }
    result.seconds = (Date.now() - started) / 1000;
    result.drawn = seen.drawn;
    if (seen.figures !== expected)
      result.problems.push(`the page has ${seen.figures} figure element(s), the notebook has ${expected} figure output(s)`);
    if (seen.drawn < seen.figures)
      result.problems.push(
        `${seen.figures - seen.drawn} of ${seen.figures} figure(s) not drawn within ${timeoutMs / 1000} s (no .main-svg)`,
      );
    const firstPlot = page.locator(".proclab-plot").first();
    if (seen.figures) await firstPlot.scrollIntoViewIfNeeded({ timeout: 5000 }).catch(() => {});
    if (inspect) result.problems.push(...(await inspect(page)));
  } catch (error) {
    result.problems.push(error.message.split("\n")[0]);
  } finally {
    fs.mkdirSync(path.dirname(screenshotFile), { recursive: true });
    await page.screenshot({ path: screenshotFile }).catch((error) => result.problems.push(`screenshot failed: ${error.message}`));
    await page.close();
  }
  return result;
}
