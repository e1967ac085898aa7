// The grading sandbox itself (lib/grading/sandbox.ts), probed from inside by a small Python
// program: what a submission can see, write, reach and do.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot } from "proclab/core";
import { createRequire } from "node:module";

const require_ = createRequire(import.meta.url);
const { runSandboxed, sandboxProblem, defaultLimits } = require_(path.join(projectRoot, "dist", "grading", "sandbox.js"));
const problem = sandboxProblem();
const skip = problem !== null && !process.env.CI ? `no sandbox here: ${problem}` : false;

const probe = `
import ctypes, json, os, socket, sys
out = {}
libc = ctypes.CDLL(None, use_errno=True)
pid = os.fork()
if pid == 0:
    import time; time.sleep(5); os._exit(0)
r = libc.ptrace(16, pid, None, None)  # PTRACE_ATTACH to our own child
out["ptrace"] = "ok" if r == 0 else os.strerror(ctypes.get_errno())
os.kill(pid, 9)
def attempt(name, fn):
    try:
        fn(); out[name] = "ok"
    except Exception as e:
        out[name] = type(e).__name__ + ": " + str(e)[:80]
attempt("network", lambda: socket.create_connection(("1.1.1.1", 80), timeout=2))
attempt("write dist", lambda: open(sys.argv[1] + "/dist/pwned", "w").write("x"))
attempt("read notebooks", lambda: os.listdir(sys.argv[1] + "/notebooks"))
attempt("read shadow", lambda: open("/etc/shadow").read())
attempt("write scratch", lambda: open("scratch-file", "w").write("x"))
def fill():
    for i in range(40):
        with open(f"fill-{i}", "wb") as f:
            f.write(b"x" * (32 * 1024 * 1024))
attempt("fill scratch", fill)
out["proc"] = os.path.exists("/proc/1")
out["pid"] = os.getpid()
print(json.dumps(out))
`;

test(
  "inside the sandbox: no ptrace, no network, no /proc, the project read-only and partial, the scratch folder writable",
  { skip },
  async () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-sandbox-test-"));
    try {
      const run = await runSandboxed({
        argv: ["/usr/bin/python3", "-c", probe, projectRoot],
        scratch,
        env: { PATH: "/usr/bin:/bin", HOME: scratch },
        stdin: "",
        limits: { ...defaultLimits, wallS: 30 },
        sandbox: true,
      });
      assert.equal(run.status, 0, run.stderr);
      const seen = JSON.parse(run.stdout);
      assert.match(seen.ptrace, /not permitted/i);
      assert.notEqual(seen.network, "ok");
      assert.match(seen["write dist"], /Read-only file system/);
      assert.match(seen["read notebooks"], /No such file or directory/);
      assert.match(seen["read shadow"], /No such file or directory/);
      assert.equal(seen["write scratch"], "ok");
      assert.equal(seen.proc, false);
      assert.ok(seen.pid < 10, `pid ${seen.pid}: not in a PID namespace of its own`);
      assert.match(seen["fill scratch"], /No space left on device/); // the working folder is a bounded tmpfs…
      assert.ok(!fs.existsSync(path.join(scratch, "scratch-file"))); // …of its own: nothing reaches the host's disk
      assert.ok(!fs.existsSync(path.join(projectRoot, "dist", "pwned")));
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  },
);

test("the wall-time limit ends the whole sandbox, and says so", { skip }, async () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-sandbox-test-"));
  try {
    const started = Date.now();
    const run = await runSandboxed({
      argv: ["/bin/sh", "-c", "setsid sleep 600 & sleep 600"],
      scratch,
      env: { PATH: "/usr/bin:/bin" },
      stdin: "",
      limits: { ...defaultLimits, wallS: 1 },
      sandbox: true,
    });
    assert.equal(run.timedOut, true);
    assert.ok(Date.now() - started < 20_000);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
});
