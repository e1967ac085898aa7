// The foundation: the built library loads by name, notebooks are checked and executed
// through the real Jupyter protocol, and tslab's error quirks are reported, not hidden.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, "..");
const python = path.join(root, ".venv", "bin", "python");
const hasJupyter = fs.existsSync(python);
const { jupyterEnv } = await import(path.join(root, "scripts", "lib", "jupyter.mjs"));

function notebook(cells) {
  return {
    cells: cells.map(([source, metadata = {}], i) => ({ cell_type: "code", execution_count: null, id: `t${i}`, metadata, outputs: [], source })),
    metadata: { kernelspec: { display_name: "TypeScript", language: "typescript", name: "tslab" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

function writeNotebook(dir, name, nb) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(nb));
  return file;
}

function runPython(script, args) {
  return spawnSync(python, [path.join(root, "scripts", "py", script), ...args], { encoding: "utf8", env: jupyterEnv() });
}

test("the built library loads by name from the project root", () => {
  const out = spawnSync(process.execPath, ["-e", "const p = require('proclab'); console.log(p.versions().proclab)"], { cwd: root, encoding: "utf8" });
  assert.equal(out.status, 0, out.stderr);
  assert.equal(out.stdout.trim(), require(path.join(root, "package.json")).version);
});

test("the library warns when lib/ is newer than the build", () => {
  const { staleSource } = require("proclab/core");
  const stamp = path.join(root, "dist", ".build-stamp");
  const original = fs.statSync(stamp).mtime;
  try {
    fs.utimesSync(stamp, new Date(0), new Date(0));
    assert.match(staleSource() ?? "", /^lib\//);
    const future = new Date(Date.now() + 3_600_000);
    fs.utimesSync(stamp, future, future);
    assert.equal(staleSource(), null);
  } finally {
    fs.utimesSync(stamp, original, original);
  }
});

test("the notebook check rejects outputs, a foreign kernel and invalid nbformat", { skip: !hasJupyter && "no .venv (run npm run setup)" }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-nbcheck-"));
  const good = writeNotebook(dir, "good.ipynb", notebook([["1"]]));
  const withOutput = notebook([["1"]]);
  withOutput.cells[0].outputs = [{ output_type: "stream", name: "stdout", text: "1\n" }];
  withOutput.cells[0].execution_count = 1;
  const python3Kernel = notebook([["1"]]);
  python3Kernel.metadata.kernelspec.name = "python3";
  const invalid = notebook([["1"]]);
  delete invalid.cells[0].outputs;

  assert.equal(runPython("check_notebooks.py", [good]).status, 0);
  for (const [name, nb, reason] of [["out.ipynb", withOutput, /committed with outputs/], ["py.ipynb", python3Kernel, /kernelspec is 'python3'/], ["bad.ipynb", invalid, /invalid nbformat 4/]]) {
    const result = runPython("check_notebooks.py", [writeNotebook(dir, name, nb)]);
    assert.equal(result.status, 1, `${name} should fail`);
    assert.match(result.stdout, reason);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test("executing notebooks reports tslab errors with their text, retries aborted cells and enforces raises-exception", { skip: !hasJupyter && "no .venv (run npm run setup)", timeout: 120_000 }, () => {
  // Inside the project, so that the notebooks resolve "proclab" through node_modules.
  fs.mkdirSync(path.join(root, "build"), { recursive: true });
  const dir = fs.mkdtempSync(path.join(root, "build", "nbrun-"));
  const passing = writeNotebook(dir, "a-pass.ipynb", notebook([
    ['import { versions } from "proclab"; console.log(versions().proclab);'],
    ['throw new Error("expected failure");', { tags: ["raises-exception"] }],
    // Sent right after an error: tslab answers `abort` first; the runner must retry, not skip.
    ['console.log("ran after the error");', { proclab: { expect: { output_includes: ["ran after"] } } }],
  ]));
  const failing = writeNotebook(dir, "b-fail.ipynb", notebook([
    ['console.log("first");'],
    ['throw new Error("the teacher should see this text");'],
    ['console.log("never runs");'],
  ]));
  const noRaise = writeNotebook(dir, "c-noraise.ipynb", notebook([['console.log("fine");', { tags: ["raises-exception"] }]]));
  const out = path.join(dir, "out");
  const result = runPython("execute_notebooks.py", ["--out", out, passing, failing, noRaise]);
  assert.equal(result.status, 1, result.stdout + result.stderr);
  assert.match(result.stdout, /ok\s+a-pass\.ipynb\s+cells 3\/3/);
  assert.match(result.stdout, /FAIL b-fail\.ipynb\s+cells 2\/3/);
  assert.match(result.stdout, /the teacher should see this text/);
  assert.match(result.stdout, /FAIL c-noraise\.ipynb[\s\S]*tagged raises-exception but did not raise/);
  const executed = JSON.parse(fs.readFileSync(path.join(out, "a-pass.ipynb"), "utf8"));
  assert.match(executed.cells[2].outputs.map((o) => o.text).join(""), /ran after the error/);
  assert.ok(fs.existsSync(path.join(out, "a-pass.html")));
  fs.rmSync(dir, { recursive: true, force: true });
});
