#!/usr/bin/env node
// `npm test`: set up what the tests need (as npm start does), build, run the library's
// unit tests (tests/unit/, in parallel; again with the Linux-only facilities hidden) and integration tests (tests/integration/, one file at
// a time), check the committed notebooks, then execute every notebook headlessly.
//   node scripts/test.mjs unit          only the unit tests        (npm run test:unit)
//   node scripts/test.mjs integration   only the integration tests (npm run test:integration)
//   node scripts/test.mjs portable      only the unit tests with PROCLAB_PORTABLE=1 (npm run test:portable)
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { setup } from "./setup.mjs";
import { executeNotebooks, executeNotebooksTwice, listAllNotebooks, listNotebooks } from "./notebooks.mjs";
import { jupyterEnv, venvBin } from "./lib/jupyter.mjs";
import { buildDir, notebooksDir, projectRoot } from "./lib/project.mjs";
import { step } from "./lib/log.mjs";
import { findChromium } from "./browser/chromium.mjs";

const failures = [];
// Test files' failures, with their errors (tests/support/failures-reporter.mjs), printed again at the end.
const failureReports = [];
let stagesRun = 0;
function stage(name, run) {
  stagesRun += 1;
  step(`── ${name}`);
  const started = Date.now();
  const status = run();
  step(`   ${name}: ${status === 0 ? "passed" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (status !== 0) failures.push(name);
}

/**
 * Runs the test files under tests/<folder> with Node's test runner, `concurrency` files at a time.
 * Tests get a scratch data folder, build/test-data/<folder>/<test file>/ (tests/support/data-dir.mjs):
 * data/db.json in the repository stays as committed, and files running side by side share none.
 * `env` adds variables for the tests (and the children they start); `dataName` names the data folder;
 * `files` (paths under tests/) runs only those instead of the whole folder.
 */
function nodeTests(folder, concurrency, env = {}, dataName = folder, files = null) {
  const testData = path.join(buildDir, "test-data", dataName);
  fs.rmSync(testData, { recursive: true, force: true });
  fs.mkdirSync(testData, { recursive: true });
  const perFileData = pathToFileURL(path.join(projectRoot, "tests", "support", "data-dir.mjs")).href;
  const failuresFile = path.join(buildDir, "test-reports", `${dataName.replaceAll(path.sep, "-")}.failures.txt`);
  fs.mkdirSync(path.dirname(failuresFile), { recursive: true });
  fs.rmSync(failuresFile, { force: true });
  failureReports.push(failuresFile);
  const args = [
    "--import",
    perFileData,
    "--test",
    `--test-concurrency=${concurrency}`,
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    `--test-reporter=${pathToFileURL(path.join(projectRoot, "tests", "support", "failures-reporter.mjs")).href}`,
    `--test-reporter-destination=${failuresFile}`,
    ...(files ?? [folder]).map((file) => path.join(projectRoot, "tests", file)),
  ];
  return (
    spawnSync(process.execPath, args, {
      stdio: "inherit",
      cwd: projectRoot,
      env: { PROCLAB_LANG: "en", ...process.env, ...env, PROCLAB_DATA_DIR: testData },
    }).status ?? 1
  );
}

/** The stages after the library's tests: the committed notebooks checked, executed, and shown in Chromium. */
function notebookStages() {
  stage(
    "notebook format",
    () =>
      spawnSync(venvBin("python"), [path.join(projectRoot, "scripts", "py", "check_notebooks.py"), ...listAllNotebooks()], {
        env: jupyterEnv(),
        stdio: "inherit",
      }).status ?? 1,
  );
  stage("notebooks executed", () => executeNotebooks());
  // The Chinese edition shares every code cell with the English one (scripts/editions.mjs): its
  // code is tested above. Here: it is in step (no missing or stale translation, no cell that
  // differs), and two of its notebooks run, to show its figures and messages come out in Chinese.
  stage("Chinese edition (zh-CN): in step, and a sample executed", () => {
    const inStep = spawnSync(process.execPath, [path.join(projectRoot, "scripts", "editions.mjs"), "check"], { stdio: "inherit" }).status;
    if (inStep !== 0) return 1;
    const sample = ["00-welcome.ipynb", "03-mutex.ipynb"].map((name) => path.join(notebooksDir, "zh-CN", name));
    return executeNotebooks(sample, path.join(buildDir, "notebooks", "zh-CN"));
  });
  // Not 06: its servers are started once per kernel and reused (tests/integration/servers checks
  // reuse), and running its rushes twice would add a minute to CI for nothing new.
  stage("notebooks run again in the same kernel", () =>
    executeNotebooksTwice(listNotebooks().filter((file) => !path.basename(file).startsWith("06-"))),
  );
  const browserTest = (only) =>
    spawnSync(process.execPath, [path.join(projectRoot, "scripts", "browser-test.mjs"), "--no-setup", only], { stdio: "inherit" }).status ??
    1;
  if (findChromium()) {
    stage("HTML exports in Chromium", () => browserTest("--html-only"));
    stage("JupyterLab Run All in Chromium", () => browserTest("--lab-only"));
  } else if (process.env.CI) {
    stage("browser checks", () => (step("no Chromium, but CI must run the browser checks: install Debian's chromium"), 1));
  } else {
    step("── browser checks skipped: no Chromium (install Debian's chromium or set PROCLAB_CHROMIUM)");
  }
}

const chosen = process.argv[2];
if (chosen !== undefined && chosen !== "unit" && chosen !== "integration" && chosen !== "portable") {
  console.error(`usage: node scripts/test.mjs [unit | integration | portable]; got ${JSON.stringify(chosen)}`);
  process.exit(2);
}
setup({ jupyter: chosen !== "unit" && chosen !== "portable" });
if (chosen === undefined) {
  // Style first: one formatter (Prettier) and one linter (ESLint, typescript-eslint), a few seconds.
  const bin = (name) => path.join(projectRoot, "node_modules", ".bin", name);
  stage("lint and format", () =>
    [
      spawnSync(bin("eslint"), ["."], { stdio: "inherit", cwd: projectRoot }),
      spawnSync(bin("prettier"), ["--check", "."], { stdio: "inherit", cwd: projectRoot }),
    ].every((r) => r.status === 0)
      ? 0
      : 1,
  );
}
if (chosen === undefined || chosen === "unit") {
  // Fast and independent of each other: one file per core at a time.
  stage("unit tests", () => nodeTests("unit", os.availableParallelism()));
}
if (chosen === undefined || chosen === "portable") {
  // The same tests as macOS sees the library: PROCLAB_PORTABLE=1 hides /proc and setpriv
  // (lib/core/platform.ts), so each fallback runs; tests of Linux-only facts skip.
  // Only the files whose code reaches the Linux-only facilities (processes, pids, locks, rushes):
  // the others (argument parsing, figures, notebooks' format…) would run exactly as above.
  const portableFiles = [
    "core",
    "foundation",
    "homework",
    "lock",
    "lock-processes",
    "process",
    "process-main",
    "process-pool",
    "referee",
    "rush-faults",
    "schedule",
    "tickets",
  ];
  stage("unit tests, portable (no /proc, no setpriv)", () =>
    nodeTests(
      "unit",
      os.availableParallelism(),
      { PROCLAB_PORTABLE: "1" },
      "unit-portable",
      portableFiles.map((name) => path.join("unit", `${name}.test.mjs`)),
    ),
  );
}
if (chosen === undefined || chosen === "integration") {
  // One file at a time: statistical races (counted over many trials) and timing bounds that
  // other files' processes competing for the cores would skew.
  stage("integration tests: races", () => nodeTests(path.join("integration", "races"), 1));
  // One file at a time: notebooks in tslab kernels, each run heavy on both cores.
  stage("integration tests: kernels", () => nodeTests(path.join("integration", "kernel"), 1));
  // Private PostgreSQL, Redis and etcd servers, the rush on them, the class rush across network namespaces.
  stage("integration tests: servers", () => nodeTests(path.join("integration", "servers"), 1));
  // A class of submissions graded in bubblewrap sandboxes, two at a time (it uses both cores).
  stage("integration tests: grading (sandboxed)", () => nodeTests(path.join("integration", "grading"), 1));
}
if (chosen === undefined) notebookStages();

// Each failing test again, with its error: the end of a long log is what gets read.
for (const file of failureReports) {
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim() : "";
  if (text) console.log(`failing tests (${path.relative(projectRoot, file)}):\n${text}`);
}
if (failures.length) step(`FAILED: ${failures.join(", ")}`);
else step("all test stages passed");
// The closing line CI reads: stages passed and failed.
console.log(`stages: ${stagesRun - failures.length} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
