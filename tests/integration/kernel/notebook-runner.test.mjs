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
