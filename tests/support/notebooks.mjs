// Helpers for tests that check or execute throwaway notebooks with the project's Jupyter (.venv/).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export const root = path.resolve(import.meta.dirname, "..", "..");
export const python = path.join(root, ".venv", "bin", "python");
export const hasJupyter = fs.existsSync(python);
const { jupyterEnv } = await import(path.join(root, "scripts", "lib", "jupyter.mjs"));

/** An nbformat 4 notebook for the tslab kernel; cells are [source, metadata?]. */
export function notebook(cells) {
  return {
    cells: cells.map(([source, metadata = {}], i) => ({
      cell_type: "code",
      execution_count: null,
      id: `t${i}`,
      metadata,
      outputs: [],
      source,
    })),
    metadata: { kernelspec: { display_name: "TypeScript", language: "typescript", name: "tslab" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

export function writeNotebook(dir, name, nb) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(nb));
  return file;
}

/** Runs scripts/py/<script> with the venv's Python and the project's Jupyter environment. */
export function runPython(script, args) {
  return spawnSync(python, [path.join(root, "scripts", "py", script), ...args], { encoding: "utf8", env: jupyterEnv() });
}
