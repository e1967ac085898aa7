// Notebooks are executed through the real Jupyter protocol with the tslab kernel (what
// `npm test` and the grader rely on), and tslab's error quirks are reported, not hidden.
// Jupyter is required here: the integration stages run after setup, which installs it.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { notebook, root, runPython, writeNotebook } from "../../support/notebooks.mjs";

test(
  "executing notebooks reports tslab errors with their text, retries aborted cells and enforces raises-exception",
  { timeout: 120_000 },
  () => {
    // Inside the project, so that the notebooks resolve "proclab" through node_modules.
    fs.mkdirSync(path.join(root, "build"), { recursive: true });
    const dir = fs.mkdtempSync(path.join(root, "build", "nbrun-"));
    const passing = writeNotebook(
      dir,
      "a-pass.ipynb",
      notebook([
        ['import { versions } from "proclab"; console.log(versions().proclab);'],
        ['throw new Error("expected failure");', { tags: ["raises-exception"] }],
        // Sent right after an error: tslab answers `abort` first; the runner must retry, not skip.
        ['console.log("ran after the error");', { proclab: { expect: { output_includes: ["ran after"] } } }],
      ]),
    );
    const failing = writeNotebook(
      dir,
      "b-fail.ipynb",
      notebook([['console.log("first");'], ['throw new Error("the teacher should see this text");'], ['console.log("never runs");']]),
    );
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
  },
);

test(
  "claims are tests: a claim this run contradicts fails the notebook, and a claim without an expectation fails the format check",
  { timeout: 120_000 },
  () => {
    fs.mkdirSync(path.join(root, "build"), { recursive: true });
    const dir = fs.mkdtempSync(path.join(root, "build", "nbclaim-"));
    const asserted = (statement) => ({ proclab: { expect: { output_includes: [`claim ✓ ${statement}`] } } });
    const holds = writeNotebook(
      dir,
      "a-holds.ipynb",
      notebook([['import { claim } from "proclab"; claim("two is more than one", 2 > 1, "2 > 1");', asserted("two is more than one")]]),
    );
    const contradicted = writeNotebook(
      dir,
      "b-contradicted.ipynb",
      notebook([['import { claim } from "proclab"; claim("one is more than two", 1 > 2, "1 < 2");', asserted("one is more than two")]]),
    );
    const run = runPython("execute_notebooks.py", ["--out", path.join(dir, "out"), holds, contradicted]);
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /ok\s+a-holds\.ipynb/);
    assert.match(run.stdout, /FAIL b-contradicted\.ipynb[\s\S]*does not hold in this run: claim ✗ one is more than two — here: 1 < 2/);

    const unasserted = writeNotebook(
      dir,
      "c-unasserted.ipynb",
      notebook([['claim("fast", true, "yes");'], ['claim(`templated`, true, "x");', asserted("templated")]]),
    );
    const format = runPython("check_notebooks.py", [holds, unasserted]);
    assert.equal(format.status, 1, format.stdout + format.stderr);
    assert.match(format.stdout, /ok\s+a-holds\.ipynb/);
    assert.match(format.stdout, /cell 1: claim "fast" is not in the cell's expectation/);
    assert.match(format.stdout, /cell 2: a claim\( whose statement is not a plain "double-quoted" string/);
    fs.rmSync(dir, { recursive: true, force: true });
  },
);
