// The foundation: the built library loads by name, and the notebook check rejects what may not
// be committed. Executing notebooks through a real kernel is an integration test:
// tests/integration/kernel/notebook-runner.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";
import { hasJupyter, notebook, root, runPython, writeNotebook } from "../support/notebooks.mjs";

const require = createRequire(import.meta.url);

test("the built library loads by name from the project root", () => {
  const out = spawnSync(process.execPath, ["-e", "const p = require('proclab'); console.log(p.versions().proclab)"], {
    cwd: root,
    encoding: "utf8",
  });
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

test(
  "the notebook check rejects outputs, a foreign kernel and invalid nbformat",
  { skip: !hasJupyter && "no .venv (run npm run setup)" },
  () => {
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
    for (const [name, nb, reason] of [
      ["out.ipynb", withOutput, /committed with outputs/],
      ["py.ipynb", python3Kernel, /kernelspec is 'python3'/],
      ["bad.ipynb", invalid, /invalid nbformat 4/],
    ]) {
      const result = runPython("check_notebooks.py", [writeNotebook(dir, name, nb)]);
      assert.equal(result.status, 1, `${name} should fail`);
      assert.match(result.stdout, reason);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  },
);
