// The project-local Jupyter (.venv/ and .jupyter/). What the grader needs too lives in the
// library (lib/grading/jupyter.ts); tooling loads it from the build on first use, so a script
// can import this file before the first build has run.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { projectRoot } from "./project.mjs";

const jupyterHome = path.join(projectRoot, ".jupyter");
/** The library's grading layer (proclab/grading), built. */
function library() {
  if (!fs.existsSync(path.join(projectRoot, "dist", "grading"))) {
    console.error("proclab: the library is not built yet; run `npm start` (or `npm run setup`) once");
    process.exit(1);
  }
  return createRequire(import.meta.url)("proclab/grading");
}

/** Environment for every Jupyter command the project runs. */
export const jupyterEnv = (base = process.env) => library().jupyterEnv(base);
/** The venv's copy of a Jupyter-side executable (jupyter, python). */
export const venvBin = (name) => library().venvBin(name);
/** Registers the tslab kernel ("TypeScript") in .jupyter/; { file, changed }. */
export const registerTslabKernel = () => library().registerTslabKernel();

/**
 * Project-local preferences: new notebooks default to the TypeScript kernel, and JupyterLab
 * does not ask about fetching news (this course runs in classrooms, often offline).
 * Written only when missing, so a teacher's own changes are kept.
 */
export function writeJupyterDefaults() {
  const files = [
    [path.join(jupyterHome, "config", "jupyter_server_config.json"), { MappingKernelManager: { default_kernel_name: "tslab" } }],
    [
      path.join(jupyterHome, "lab", "user-settings", "@jupyterlab", "apputils-extension", "notification.jupyterlab-settings"),
      { fetchNews: "false", checkForUpdates: false },
    ],
  ];
  for (const [file, content] of files) {
    if (fs.existsSync(file)) continue;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(content, null, 2) + "\n");
  }
}
