#!/usr/bin/env node
// `npm run notebooks [-- notebooks/01-x.ipynb …]`: execute notebooks headlessly with the
// tslab kernel (nbclient), writing executed copies and HTML under build/notebooks/.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { setup } from "./setup.mjs";
import { jupyterEnv, venvBin } from "./lib/jupyter.mjs";
import { buildDir, notebooksDir, projectRoot } from "./lib/project.mjs";

/** The course notebooks (notebooks/*.ipynb), in order: what Run All and `npm test` execute. */
export function listNotebooks() {
  return fs
    .readdirSync(notebooksDir)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => path.join(notebooksDir, f));
}

/** Every committed notebook, homework sources included: what the format check covers. */
export function listAllNotebooks(dir = notebooksDir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === ".ipynb_checkpoints" ? [] : listAllNotebooks(full);
      return entry.name.endsWith(".ipynb") ? [full] : [];
    })
    .sort();
}

/** Executes notebooks; returns the exit status (0 when all passed). */
export function executeNotebooks(notebooks = listNotebooks(), outDir = path.join(buildDir, "notebooks")) {
  const script = path.join(projectRoot, "scripts", "py", "execute_notebooks.py");
  // Notebooks write db.json and lock files: give them a scratch data folder holding a copy
  // of db.json, so a test run leaves the repository's data/ as it was.
  const scratchData = path.join(outDir, "data");
  fs.rmSync(scratchData, { recursive: true, force: true });
  fs.mkdirSync(scratchData, { recursive: true });
  fs.copyFileSync(path.join(projectRoot, "data", "db.json"), path.join(scratchData, "db.json"));
  const env = { ...jupyterEnv(), PROCLAB_DATA_DIR: scratchData };
  const result = spawnSync(venvBin("python"), [script, "--out", outDir, ...notebooks], { env, stdio: "inherit" });
  return result.status ?? 1;
}

/**
 * Each notebook run twice over in one kernel (its cells, then its cells again): a teacher
 * re-runs a notebook without restarting the kernel, and every check must hold again.
 */
export function executeNotebooksTwice(notebooks = listNotebooks(), outDir = path.join(buildDir, "notebooks-twice")) {
  const sources = path.join(outDir, "src"); // inside the project: the kernel resolves "proclab" from here
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(sources, { recursive: true });
  const doubled = notebooks.map((file) => {
    const nb = JSON.parse(fs.readFileSync(file, "utf8"));
    nb.cells = [...nb.cells, ...structuredClone(nb.cells)].map((cell, i) => ({ ...cell, id: `again-${i}` }));
    const copy = path.join(sources, path.basename(file));
    fs.writeFileSync(copy, JSON.stringify(nb));
    return copy;
  });
  return executeNotebooks(doubled, outDir);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  setup(); // builds first when lib/ is newer than dist/: notebooks never run stale code
  const chosen = process.argv.slice(2).map((p) => path.resolve(p));
  process.exit(executeNotebooks(chosen.length ? chosen : undefined));
}
