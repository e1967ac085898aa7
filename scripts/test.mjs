#!/usr/bin/env node
// `npm test`: set up what the tests need (as npm start does), build, run the library's
// unit tests, check the committed notebooks, then execute every notebook headlessly.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { setup } from "./setup.mjs";
import { executeNotebooks, executeNotebooksTwice, listAllNotebooks } from "./notebooks.mjs";
import { jupyterEnv, venvBin } from "./lib/jupyter.mjs";
import { buildDir, projectRoot } from "./lib/project.mjs";
import { step } from "./lib/log.mjs";
import { findChromium } from "./browser/chromium.mjs";

const failures = [];
let stagesRun = 0;
function stage(name, run) {
  stagesRun += 1;
  step(`── ${name}`);
  const started = Date.now();
  const status = run();
  step(`   ${name}: ${status === 0 ? "passed" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (status !== 0) failures.push(name);
}

setup();
// Unit tests get a scratch data folder: data/db.json in the repository stays as committed.
const testData = path.join(buildDir, "test-data");
fs.rmSync(testData, { recursive: true, force: true });
fs.mkdirSync(testData, { recursive: true });
stage("unit tests", () =>
  spawnSync(process.execPath, ["--test", "--test-concurrency=1", "--test-reporter=spec", path.join(projectRoot, "tests")], {
    stdio: "inherit",
    cwd: projectRoot,
    env: { ...process.env, PROCLAB_DATA_DIR: testData },
  }).status ?? 1,
);
stage("notebook format", () =>
  spawnSync(venvBin("python"), [path.join(projectRoot, "scripts", "py", "check_notebooks.py"), ...listAllNotebooks()], { env: jupyterEnv(), stdio: "inherit" }).status ?? 1,
);
stage("notebooks executed", () => executeNotebooks());
stage("notebooks run again in the same kernel", () => executeNotebooksTwice());
const browserTest = (only) => spawnSync(process.execPath, [path.join(projectRoot, "scripts", "browser-test.mjs"), "--no-setup", only], { stdio: "inherit" }).status ?? 1;
if (findChromium()) {
  stage("HTML exports in Chromium", () => browserTest("--html-only"));
  stage("JupyterLab Run All in Chromium", () => browserTest("--lab-only"));
} else if (process.env.CI) {
  stage("browser checks", () => (step("no Chromium, but CI must run the browser checks: install Debian's chromium"), 1));
} else {
  step("── browser checks skipped: no Chromium (install Debian's chromium or set PROCLAB_CHROMIUM)");
}

if (failures.length) step(`FAILED: ${failures.join(", ")}`);
else step("all test stages passed");
// The closing line CI reads: stages passed and failed.
console.log(`stages: ${stagesRun - failures.length} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
