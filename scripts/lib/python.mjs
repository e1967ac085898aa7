// The project's Python side: a venv under .venv/ holding JupyterLab (with nbclient and nbconvert).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { venvDir } from "./project.mjs";
import { step, fail } from "./log.mjs";
import { venvBin } from "./jupyter.mjs";

const MIN_PYTHON = [3, 9];
/** What the venv must hold; plotly adds JupyterLab's renderer for plotly figures. */
const PY_PACKAGES = ["jupyterlab>=4", "nbclient", "nbconvert", "plotly"];
// find_spec, not import: the check stays fast on every warm run.
const PY_MODULES_CHECK =
  "import importlib.util as u, sys; sys.exit(any(u.find_spec(m) is None for m in ('jupyterlab', 'nbclient', 'nbconvert', 'plotly')))";

function run(cmd, args, options = {}) {
  return spawnSync(cmd, args, { encoding: "utf8", ...options });
}

/** Finds a Python >= 3.9: $PROCLAB_PYTHON, python3, then python. */
export function findPython() {
  const candidates = [process.env.PROCLAB_PYTHON, "python3", "python"].filter(Boolean);
  for (const candidate of candidates) {
    const probe = run(candidate, ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"]);
    if (probe.status !== 0) continue;
    const [major, minor] = probe.stdout.trim().split(".").map(Number);
    if (major > MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor >= MIN_PYTHON[1])) return candidate;
    step(`${candidate} is Python ${major}.${minor}; need ${MIN_PYTHON.join(".")} or newer, looking further`);
  }
  return fail(
    `no Python ${MIN_PYTHON.join(".")}+ found (tried ${candidates.join(", ")})`,
    "install Python 3 (https://www.python.org/downloads/ or your package manager, e.g. `apt install python3 python3-venv`), or set PROCLAB_PYTHON=/path/to/python3",
  );
}

function venvHealthy() {
  return fs.existsSync(venvBin("python")) && run(venvBin("python"), ["-c", "import sys"]).status === 0;
}

/** Creates .venv/ if it is missing or broken. */
export function ensureVenv() {
  if (venvHealthy()) return false;
  const python = findPython();
  const hasVenv = run(python, ["-c", "import venv, ensurepip"]);
  if (hasVenv.status !== 0) {
    fail(
      `${python} has no working \`venv\` module (needed for a project-local JupyterLab)`,
      "install it, e.g. `apt install python3-venv` on Debian/Ubuntu, then run this again",
    );
  }
  step(`creating a Python virtual environment in .venv/ with ${python}`);
  fs.rmSync(venvDir, { recursive: true, force: true });
  const made = run(python, ["-m", "venv", venvDir], { stdio: "inherit" });
  if (made.status !== 0)
    fail(`\`${python} -m venv .venv\` failed (output above)`, "check disk space and permissions in the project folder");
  return true;
}

/** Installs JupyterLab and friends into the venv when they are missing. */
export function ensureJupyterLab() {
  if (run(venvBin("python"), ["-c", PY_MODULES_CHECK]).status === 0) return false;
  step(`installing ${PY_PACKAGES.join(", ")} into .venv/ with pip (first time only, ~30 s)`);
  // --retries 0: an unreachable index fails at once instead of retrying for minutes
  // (a mirror configured in pip.conf still serves everything).
  const pip = run(
    venvBin("python"),
    ["-m", "pip", "install", "--retries", "0", "--disable-pip-version-check", "--progress-bar", "off", "-q", ...PY_PACKAGES],
    {
      stdio: ["ignore", "inherit", "pipe"],
    },
  );
  const stderr = pip.stderr ?? "";
  if (pip.status !== 0) {
    process.stderr.write(
      stderr
        .split("\n")
        .filter((l) => !/Location .* is ignored/.test(l))
        .join("\n"),
    );
    const offline =
      /Could not find a version|No matching distribution|NewConnectionError|Failed to establish|Temporary failure in name resolution|ConnectionError/.test(
        stderr,
      );
    fail(
      offline ? "pip cannot reach a package index to install JupyterLab" : "pip failed to install JupyterLab (output above)",
      offline
        ? "connect to the internet, or point pip at a reachable index or mirror (`pip config list` shows the current one; PIP_INDEX_URL=... works too), then run this again"
        : "read pip's message above; deleting .venv/ and running again starts from scratch",
    );
  }
  return true;
}
