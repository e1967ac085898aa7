// A project-local Jupyter: its config, data (kernelspecs) and runtime folders live under
// .jupyter/ so nothing is written to the user's global Jupyter setup.
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot, venvDir } from "./project.mjs";

const jupyterHome = path.join(projectRoot, ".jupyter");

/** Environment for every Jupyter command the project runs. */
export function jupyterEnv(base = process.env) {
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
export function venvBin(name) {
  return path.join(venvDir, "bin", name);
}

/**
 * Registers the tslab kernel (display name "TypeScript") in the project-local data folder.
 * The command points at this project's own tslab with this Node, so the kernel always
 * runs the versions the project pinned. Rewritten every time: cheap, and right after a move.
 */
export function registerTslabKernel() {
  const dir = path.join(jupyterHome, "data", "kernels", "tslab");
  const spec = {
    argv: [process.execPath, path.join(projectRoot, "node_modules", "tslab", "bin", "tslab"), "kernel", "--config-path", "{connection_file}"],
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

/**
 * Project-local preferences: new notebooks default to the TypeScript kernel, and JupyterLab
 * does not ask about fetching news (this course runs in classrooms, often offline).
 * Written only when missing, so a teacher's own changes are kept.
 */
export function writeJupyterDefaults() {
  const files = [
    [path.join(jupyterHome, "config", "jupyter_server_config.json"), { MappingKernelManager: { default_kernel_name: "tslab" } }],
    [path.join(jupyterHome, "lab", "user-settings", "@jupyterlab", "apputils-extension", "notification.jupyterlab-settings"), { fetchNews: "false", checkForUpdates: false }],
  ];
  for (const [file, content] of files) {
    if (fs.existsSync(file)) continue;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(content, null, 2) + "\n");
  }
}
