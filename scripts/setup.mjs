#!/usr/bin/env node
// Sets up everything the course needs, idempotently (a second run only checks):
// Node dependencies, the built library, a project-local Python venv with JupyterLab,
// and the tslab kernel registered in a project-local Jupyter data folder.
//   node scripts/setup.mjs [--no-jupyter]   (--no-jupyter: Node side only)
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { projectRoot } from "./lib/project.mjs";
import { step, fail } from "./lib/log.mjs";
import { ensureVenv, ensureJupyterLab } from "./lib/python.mjs";
import { registerTslabKernel, writeJupyterDefaults } from "./lib/jupyter.mjs";

const REQUIRED_NODE_MAJOR = 20;
const NODE_PACKAGES = [
  "typescript",
  "tslab",
  "proper-lockfile",
  "@types/node",
  "eslint",
  "@eslint/js",
  "typescript-eslint",
  "globals",
  "prettier",
  "pg",
  "ioredis",
  "etcd3",
  "cockatiel",
];

function ensureNodeVersion() {
  const major = Number(process.versions.node.split(".")[0]);
  if (major < REQUIRED_NODE_MAJOR)
    fail(
      `Node.js ${process.versions.node} is too old; proclab needs Node.js ${REQUIRED_NODE_MAJOR} or newer`,
      "install a current Node.js LTS from https://nodejs.org/",
    );
}

function ensureNodeDependencies() {
  const missing = NODE_PACKAGES.filter((name) => !fs.existsSync(path.join(projectRoot, "node_modules", name, "package.json")));
  if (missing.length === 0) return false;
  step(`installing Node dependencies (missing: ${missing.join(", ")})`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const useCi = fs.existsSync(path.join(projectRoot, "package-lock.json"));
  const result = spawnSync(npm, [useCi ? "ci" : "install", "--no-audit", "--no-fund"], { cwd: projectRoot, stdio: "inherit" });
  if (result.status !== 0)
    fail("npm could not install the Node dependencies (output above)", "check your connection to the npm registry, then run this again");
  return true;
}

function build() {
  const result = spawnSync(process.execPath, [path.join(projectRoot, "scripts", "build.mjs"), "--if-stale"], { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Runs every setup step; `jupyter: false` stops after the Node side. */
export function setup({ jupyter = true } = {}) {
  const started = Date.now();
  ensureNodeVersion();
  ensureNodeDependencies();
  build();
  if (jupyter) {
    ensureVenv();
    ensureJupyterLab();
    const { changed } = registerTslabKernel();
    if (changed) step("registered the TypeScript kernel (tslab) in .jupyter/data/kernels/tslab");
    writeJupyterDefaults();
  }
  step(`setup ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  setup({ jupyter: !process.argv.includes("--no-jupyter") });
}
