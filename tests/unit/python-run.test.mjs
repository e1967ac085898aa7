// runPython and the interpreter it starts: a version manager's shim is asked once which
// program it runs, then that program is started directly (pyenv's shim cost 270 ms a start).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pythonExecutable, runPython } from "proclab/python";

test("a shim named by PROCLAB_PYTHON runs once, to be asked which interpreter it starts", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-shim-"));
  const shim = path.join(dir, "python-shim");
  const calls = path.join(dir, "calls");
  fs.writeFileSync(shim, `#!/bin/sh\necho x >> '${calls}'\nexec python3 "$@"\n`, { mode: 0o755 });
  const saved = process.env.PROCLAB_PYTHON;
  process.env.PROCLAB_PYTHON = shim;
  try {
    const program = pythonExecutable();
    assert.notEqual(program, shim);
    assert.ok(path.isAbsolute(program), program);
    for (let i = 0; i < 2; i++) {
      const run = await runPython("print(6 * 7)");
      assert.equal(run.code, 0);
      assert.deepEqual(
        run.lines.map((l) => l.text),
        ["42"],
      );
    }
    assert.equal(fs.readFileSync(calls, "utf8").trim().split("\n").length, 1, "the shim ran once: to be asked");
  } finally {
    if (saved === undefined) delete process.env.PROCLAB_PYTHON;
    else process.env.PROCLAB_PYTHON = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("an interpreter that cannot be started is named in the error, with what to set", async () => {
  const saved = process.env.PROCLAB_PYTHON;
  process.env.PROCLAB_PYTHON = "/nonexistent/python3";
  try {
    await assert.rejects(
      runPython("print(1)"),
      /cannot run Python \(\/nonexistent\/python3\): .*set PROCLAB_PYTHON to a Python 3 interpreter/,
    );
  } finally {
    if (saved === undefined) delete process.env.PROCLAB_PYTHON;
    else process.env.PROCLAB_PYTHON = saved;
  }
});
