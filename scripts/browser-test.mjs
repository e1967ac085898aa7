#!/usr/bin/env node
// `npm run test:browser [-- --html-only | --lab-only] [--no-setup] [notebooks/01-x.ipynb …]`
// What a teacher sees, in Debian's headless Chromium:
//   1. each executed notebook's HTML export (build/notebooks/*.html) draws every figure;
//   2. in a real JupyterLab, Run All on each notebook finishes with the TypeScript kernel,
//      no error output, every plot drawn and live progress in the long cells;
//   3. interrupting and restarting the kernel mid-experiment leaves no child process.
// Screenshots and summary.json go to build/browser/.
import * as fs from "node:fs";
import * as path from "node:path";
import { setup } from "./setup.mjs";
import { executeNotebooks, listNotebooks } from "./notebooks.mjs";
import { buildDir, notebooksDir, projectRoot } from "./lib/project.mjs";
import { fail, step } from "./lib/log.mjs";
import { findChromium, launchChromium } from "./browser/chromium.mjs";
import { startJupyterLab } from "./browser/jupyterlab.mjs";
import { checkNotebookRunAll } from "./browser/run-all.mjs";
import { checkInterruptRestart } from "./browser/interrupt-restart.mjs";
import { checkHtmlExport } from "./browser/html-export.mjs";
import { describe } from "./browser/processes.mjs";
import { chineseShown } from "./browser/glyphs.mjs";
import { makeSlides } from "./slides.mjs";
import { checkSlideDeck } from "./browser/slide-deck.mjs";

const GLOBAL_TIMEOUT_MS = 10 * 60_000; // a hang guard: the whole check takes 1–3 minutes
const outDir = path.join(buildDir, "browser");
const executedDir = path.join(buildDir, "notebooks");

const args = process.argv.slice(2);
const only = args.includes("--html-only") ? "html" : args.includes("--lab-only") ? "lab" : null;
const chosen = args.filter((a) => !a.startsWith("--")).map((a) => path.resolve(a));
const notebooks = chosen.length ? chosen : listNotebooks();
const baseName = (file) => path.basename(file, ".ipynb");
const seconds = (s) => (s == null ? "   -  " : `${s.toFixed(1).padStart(5)} s`);

// Ctrl-C, a kill or the hang guard all leave through process.exit, whose handler
// (jupyterlab.mjs) kills the server's process group and everything it started.
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => process.exit(130));
setTimeout(() => {
  console.error(`proclab: the browser test did not finish within ${GLOBAL_TIMEOUT_MS / 60_000} minutes; stopping it`);
  process.exit(1);
}, GLOBAL_TIMEOUT_MS).unref();

/** A scratch copy of data/ for the notebooks (db.json and the like; no lock files or FIFOs). */
function scratchData() {
  const dir = path.join(outDir, "data");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const entry of fs.readdirSync(path.join(projectRoot, "data"), { withFileTypes: true })) {
    if (entry.isFile() && !entry.name.includes(".lock"))
      fs.copyFileSync(path.join(projectRoot, "data", entry.name), path.join(dir, entry.name));
  }
  return dir;
}

function report(ok, label, detail, problems) {
  step(`${ok ? "ok  " : "FAIL"} ${label.padEnd(34)} ${detail}`);
  for (const problem of problems) console.log(`       ${problem.replace(/\n/g, "\n       ")}`);
}

async function htmlExports(context) {
  const stale = notebooks.filter((nb) => {
    const html = path.join(executedDir, `${baseName(nb)}.html`);
    return !fs.existsSync(html) || fs.statSync(html).mtimeMs < fs.statSync(nb).mtimeMs;
  });
  if (stale.length) {
    step(`executing ${stale.length} notebook(s) first: their HTML export is missing or older than the notebook`);
    try {
      executeNotebooks(stale); // it reports its own failures; the HTML is written regardless
    } catch (error) {
      step(`executing the notebooks failed: ${error.message}`);
    }
  }
  const results = [];
  for (const nb of notebooks) {
    const htmlFile = path.join(executedDir, `${baseName(nb)}.html`);
    if (!fs.existsSync(htmlFile)) {
      results.push({ html: path.basename(htmlFile), problems: [`${htmlFile} was not written (see the execution output above)`] });
      report(false, path.basename(htmlFile), "", results.at(-1).problems);
      continue;
    }
    const result = await checkHtmlExport({ context, htmlFile, screenshotFile: path.join(outDir, `${baseName(nb)}.html.png`) });
    results.push(result);
    report(
      !result.problems.length,
      result.html,
      `figures drawn ${result.drawn}/${result.figures}  ${seconds(result.seconds)}  → ${path.relative(projectRoot, result.screenshot)}`,
      result.problems,
    );
  }
  // The Chinese edition's sample, executed by npm test's zh-CN stage: its figures and text in Chinese.
  const zhDir = path.join(executedDir, "zh-CN");
  const zhExports = fs.existsSync(zhDir)
    ? fs
        .readdirSync(zhDir)
        .filter((f) => f.endsWith(".html"))
        .sort()
    : [];
  for (const name of zhExports) {
    const result = await checkHtmlExport({
      context,
      htmlFile: path.join(zhDir, name),
      screenshotFile: path.join(outDir, `zh-CN-${name}.png`),
      inspect: (page) => chineseShown(page),
    });
    results.push(result);
    report(
      !result.problems.length,
      `zh-CN/${result.html}`,
      `figures drawn ${result.drawn}/${result.figures}  ${seconds(result.seconds)}  → ${path.relative(projectRoot, result.screenshot)}`,
      result.problems,
    );
  }
  if (results.some((r) => r.blocked?.length))
    step(
      `   (offline: the exports' CDN links were not loaded: ${[...new Set(results.flatMap((r) => r.blocked ?? []))].map((u) => u.split("?")[0]).join(", ")})`,
    );
  return results;
}

/** The Chinese edition's notebooks the browser checks run (npm test's zh-CN stage executes the same ones). */
const zhSample = ["00-welcome.ipynb", "03-mutex.ipynb"];

/** The lecture slides of both editions (scripts/slides.mjs), generated from the notebooks just executed. */
async function slideDecks(context) {
  const results = [];
  for (const lang of ["en", "zh-CN"]) {
    const { status, decks } = makeSlides(lang);
    if (status !== 0) results.push({ html: `slides (${lang})`, problems: [`the slides generator failed (exit ${status})`] });
    // Every deck is generated; one per edition is opened (03: executed in both editions by npm test).
    for (const deck of decks.filter((d) => path.basename(d.file).startsWith("03-"))) {
      const executed = path.join(
        buildDir,
        "notebooks",
        ...(lang === "en" ? [] : [lang]),
        `${path.basename(deck.file, ".slides.html")}.ipynb`,
      );
      const result = await checkSlideDeck({
        context,
        deck,
        executed: fs.existsSync(executed),
        chinese: lang !== "en",
        screenshotFile: path.join(outDir, `slides-${lang}-${path.basename(deck.file, ".html")}.png`),
      });
      result.html = `slides/${lang}/${path.basename(deck.file)}`;
      results.push(result);
      report(!result.problems.length, result.html, `${deck.slides} slides`, result.problems);
    }
  }
  return results;
}

async function jupyterLab(context) {
  const started = Date.now();
  const lab = await startJupyterLab({ logFile: path.join(outDir, "jupyterlab.log"), dataDir: scratchData() });
  step(
    `JupyterLab ${lab.baseUrl} ready in ${((Date.now() - started) / 1000).toFixed(1)} s (log: ${path.relative(projectRoot, lab.logFile)})`,
  );
  const results = [];
  try {
    for (const notebookPath of notebooks) {
      const result = await checkNotebookRunAll({
        context,
        lab,
        notebookPath,
        rootDir: projectRoot,
        screenshotFile: path.join(outDir, `${baseName(notebookPath)}.png`),
      });
      await lab.shutdownKernels();
      const left = await kernelLeftovers(lab);
      if (left.length) result.problems.push(`after its kernel shut down, processes survive:\n${describe(left)}`);
      results.push(result);
      report(
        !result.problems.length,
        result.notebook,
        `Run All ${seconds(result.seconds)}  plots drawn ${result.plots}  → ${path.relative(projectRoot, result.screenshot)}`,
        result.problems,
      );
    }
    // The Chinese edition's sample, as a Chinese class sees it: Run All in JupyterLab, every
    // Chinese character on the page drawn with a glyph (a screenshot to look at, too).
    if (!chosen.length)
      for (const name of zhSample) {
        const result = await checkNotebookRunAll({
          context,
          lab,
          notebookPath: path.join(notebooksDir, "zh-CN", name),
          rootDir: projectRoot,
          screenshotFile: path.join(outDir, `zh-CN-${baseName(name)}.png`),
          inspect: (page) => chineseShown(page, ".jp-Notebook"),
        });
        await lab.shutdownKernels();
        results.push(result);
        report(
          !result.problems.length,
          `zh-CN/${result.notebook}`,
          `Run All ${seconds(result.seconds)}  plots drawn ${result.plots}  → ${path.relative(projectRoot, result.screenshot)}`,
          result.problems,
        );
      }
    const interrupt = await checkInterruptRestart({
      context,
      lab,
      rootDir: projectRoot,
      fixtureFile: path.join(outDir, "fixtures", "interrupt-restart.ipynb"),
      screenshotFile: path.join(outDir, "interrupt-restart.png"),
    });
    await lab.shutdownKernels();
    results.push(interrupt);
    report(
      !interrupt.problems.length,
      "interrupt + restart mid-experiment",
      interrupt.steps.map((s) => `${s.step} ${s.seconds.toFixed(1)} s`).join("; "),
      interrupt.problems,
    );
  } finally {
    const survivors = await lab.stop();
    if (survivors.length) {
      results.push({
        notebook: "JupyterLab shutdown",
        problems: [`processes outlived JupyterLab's shutdown (killed now):\n${describe(survivors)}`],
      });
      report(false, "JupyterLab shutdown", "", results.at(-1).problems);
    }
  }
  return results;
}

/** Processes of the server other than itself and its helpers, waiting briefly for them to end. */
async function kernelLeftovers(lab) {
  const others = () => lab.processes().filter((p) => p.pid !== lab.pid && !/\bnpm\b.*prefix/.test(p.cmdline));
  for (let waited = 0; others().length && waited < 10_000; waited += 250) await new Promise((r) => setTimeout(r, 250));
  return others();
}

async function main() {
  if (!args.includes("--no-setup")) setup();
  const executable = findChromium();
  if (!executable)
    fail(
      "no Chromium found for the browser test",
      "install Debian's chromium (`apt-get install chromium`) or set PROCLAB_CHROMIUM to a Chromium executable",
    );
  fs.mkdirSync(outDir, { recursive: true });
  const browser = await launchChromium(executable);
  const summary = {};
  try {
    if (only !== "lab") {
      step(`── HTML exports in ${executable}`);
      summary.html = await htmlExports(browser.context);
      if (!chosen.length) summary.slides = await slideDecks(browser.context);
    }
    if (only !== "html") {
      step("── JupyterLab: Run All in the browser");
      summary.lab = await jupyterLab(browser.context);
    }
  } finally {
    await browser.close();
  }
  fs.writeFileSync(path.join(outDir, "summary.json"), JSON.stringify(summary, null, 2) + "\n");
  const failed = Object.values(summary)
    .flat()
    .filter((r) => r.problems.length);
  if (failed.length) {
    step(`browser test FAILED: ${failed.map((r) => r.notebook ?? r.html).join(", ")}`);
    process.exit(1);
  }
  step(`browser test passed (summary: ${path.relative(projectRoot, path.join(outDir, "summary.json"))})`);
}

main().catch((error) => {
  console.error(`proclab: the browser test stopped: ${error.stack ?? error}`);
  process.exit(1);
});
