/**
 * The project's own Jupyter: JupyterLab in `.venv/`, and config, kernelspecs and runtime files
 * under `.jupyter/`, so nothing touches the user's global Jupyter setup. The grader runs
 * kernels through it; the tooling (scripts/lib/jupyter.mjs) uses the same functions.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../core/paths";

const venvDir = path.join(projectRoot, ".venv");
const jupyterHome = path.join(projectRoot, ".jupyter");

/** Environment for every Jupyter command the project runs: `base` plus the project-local folders. */
export function jupyterEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const bin = path.join(venvDir, "bin");
  return {
    ...base,
    PATH: `${bin}${path.delimiter}${base.PATH ?? ""}`,
    VIRTUAL_ENV: venvDir,
    JUPYTER_CONFIG_DIR: path.join(jupyterHome, "config"),
    JUPYTER_DATA_DIR: path.join(jupyterHome, "data"),
    JUPYTER_RUNTIME_DIR: path.join(jupyterHome, "runtime"),
    JUPYTERLAB_SETTINGS_DIR: path.join(jupyterHome, "lab", "user-settings"),
    JUPYTERLAB_WORKSPACES_DIR: path.join(jupyterHome, "lab", "workspaces"),
  };
}

/** The venv's copy of a Jupyter-side executable (jupyter, python). */
export function venvBin(name: string): string {
  return path.join(venvDir, "bin", name);
}

/**
 * Registers the tslab kernel (display name "TypeScript") in the project-local data folder.
 * The command points at this project's own tslab with this Node, so the kernel always runs
 * the versions the project pinned. Rewritten only when it differs: cheap, and right after a move.
 */
export function registerTslabKernel(): { file: string; changed: boolean } {
  const dir = path.join(jupyterHome, "data", "kernels", "tslab");
  const spec = {
    argv: [
      process.execPath,
      path.join(projectRoot, "node_modules", "tslab", "bin", "tslab"),
      "kernel",
      "--config-path",
      "{connection_file}",
    ],
    display_name: "TypeScript",
    language: "typescript",
    metadata: { proclab: true },
  };
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "kernel.json");
  const text = JSON.stringify(spec, null, 2) + "\n";
  const changed = !fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text;
  if (changed) fs.writeFileSync(file, text);
  return { file, changed };
}
