// A JupyterLab server for one browser test: the project's venv and project-local Jupyter
// folders, a free loopback port, a random token, a scratch data folder, a throwaway
// workspace. `stop()` shuts it down with its kernels and everything they started.
import { spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { jupyterEnv, venvBin } from "../lib/jupyter.mjs";
import { projectRoot } from "../lib/project.mjs";
import { describe, processesMarked } from "./processes.mjs";

const MARKER = "PROCLAB_BROWSER_TEST";

/** A port nobody listens on right now (the server is told not to try others). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function tail(file, lines = 25) {
  try {
    return fs
      .readFileSync(file, "utf8")
      .trimEnd()
      .split("\n")
      .slice(-lines)
      .map((l) => `    ${l}`)
      .join("\n");
  } catch {
    return "    (no log)";
  }
}

/**
 * Starts JupyterLab; resolves once its REST API answers.
 * @param {{ logFile: string, dataDir: string, startupTimeoutMs?: number }} options
 */
export async function startJupyterLab({ logFile, dataDir, startupTimeoutMs = 120_000 }) {
  const port = await freePort();
  const token = crypto.randomBytes(24).toString("hex");
  const runId = crypto.randomBytes(8).toString("hex");
  // Throwaway workspace and settings: the teacher's layout and preferences stay untouched
  // and do not change what the test sees; the news question is answered (no popup).
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-lab-"));
  // No autosave either: a test run must not write outputs into the course's notebooks.
  const settings = {
    "apputils-extension/notification": { fetchNews: "false", checkForUpdates: false },
    "docmanager-extension/plugin": { autosave: false },
  };
  for (const [plugin, values] of Object.entries(settings)) {
    const file = path.join(scratch, "settings", "@jupyterlab", `${plugin}.jupyterlab-settings`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(values));
  }
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.openSync(logFile, "w");
  const args = [
    "lab",
    "--no-browser",
    "--ServerApp.open_browser=False",
    "--ip=127.0.0.1",
    `--port=${port}`,
    "--ServerApp.port_retries=0",
    `--ServerApp.root_dir=${projectRoot}`,
  ];
  if (process.getuid?.() === 0) args.push("--allow-root");
  const env = {
    ...jupyterEnv(),
    JUPYTER_TOKEN: token, // in the environment, not on the command line other users can read
    JUPYTERLAB_WORKSPACES_DIR: path.join(scratch, "workspaces"),
    JUPYTERLAB_SETTINGS_DIR: path.join(scratch, "settings"),
    PROCLAB_DATA_DIR: dataDir,
    [MARKER]: runId, // inherited by kernels and their children: strays can be found later
  };
  // detached: its own process group, so one signal reaches the server and what it runs.
  const child = spawn(venvBin("jupyter"), args, { cwd: projectRoot, env, detached: true, stdio: ["ignore", log, log] });
  fs.closeSync(log);
  let exited = null;
  const exit = new Promise((resolve) => child.once("exit", (code, signal) => resolve((exited = { code, signal }))));
  child.once("error", (error) => (exited = { code: null, signal: null, error }));

  const baseUrl = `http://127.0.0.1:${port}`;
  const lab = {
    baseUrl,
    token,
    pid: child.pid,
    logFile,
    url: (p) => `${baseUrl}${p}${p.includes("?") ? "&" : "?"}token=${token}`,
    /** Processes this server started that are alive now (the server included). */
    processes: () => processesMarked(MARKER, runId),
    stop: () => stop(lab, exit, () => exited, scratch),
    shutdownKernels: () => shutdownKernels(lab),
  };
  const emergencyStop = () => killAll(lab);
  process.once("exit", emergencyStop);
  lab.forgetEmergencyStop = () => process.off("exit", emergencyStop);

  const deadline = Date.now() + startupTimeoutMs;
  for (;;) {
    if (exited)
      throw new Error(
        `JupyterLab exited while starting (${exited.error?.message ?? `code ${exited.code}, signal ${exited.signal}`}); log ${logFile}:\n${tail(logFile)}`,
      );
    try {
      const response = await fetch(`${baseUrl}/api/status`, {
        headers: { Authorization: `token ${token}` },
        signal: AbortSignal.timeout(5000),
      });
      if (response.ok) return lab;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await lab.stop();
      throw new Error(`JupyterLab did not answer on ${baseUrl} within ${startupTimeoutMs / 1000} s; log ${logFile}:\n${tail(logFile)}`);
    }
    await sleep(300);
  }
}

/** Shuts down every running kernel through the REST API (what closing a session does). */
async function shutdownKernels(lab) {
  const headers = { Authorization: `token ${lab.token}` };
  const kernels = await (await fetch(`${lab.baseUrl}/api/kernels`, { headers, signal: AbortSignal.timeout(10_000) })).json();
  for (const kernel of kernels)
    await fetch(`${lab.baseUrl}/api/kernels/${kernel.id}`, { method: "DELETE", headers, signal: AbortSignal.timeout(30_000) });
  return kernels.length;
}

/** SIGKILL to the server's group and to every process marked as started by this server. */
function killAll(lab) {
  const signal = (pid) => {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  signal(-lab.pid);
  for (const p of lab.processes()) signal(p.pid);
}

/**
 * Asks the server to shut down (it shuts its kernels down), then kills what is left.
 * Resolves to the processes that outlived the polite shutdown (empty when all was clean);
 * those are killed too, so nothing survives either way.
 */
async function stop(lab, exit, exited, scratch) {
  lab.forgetEmergencyStop();
  if (!exited()) {
    try {
      await fetch(`${lab.baseUrl}/api/shutdown`, {
        method: "POST",
        headers: { Authorization: `token ${lab.token}` },
        signal: AbortSignal.timeout(5000),
      });
    } catch {
      // not answering: the signals below end it
    }
    await Promise.race([exit, sleep(20_000)]);
  }
  // Kernels' children may take a moment to notice their parent ended.
  let left = lab.processes();
  for (let waited = 0; left.length && waited < 5000; waited += 250) {
    await sleep(250);
    left = lab.processes();
  }
  if (left.length || !exited()) killAll(lab);
  for (let waited = 0; lab.processes().length && waited < 5000; waited += 100) await sleep(100);
  const unkillable = lab.processes();
  fs.rmSync(scratch, { recursive: true, force: true });
  if (unkillable.length) throw new Error(`processes of the test survive SIGKILL:\n${describe(unkillable)}`);
  return left;
}
