#!/usr/bin/env node
// Runs the project's own Jupyter with the project-local folders:
//   npm run -s jupyter -- kernelspec list
import { spawnSync } from "node:child_process";
import { jupyterEnv, venvBin } from "./lib/jupyter.mjs";

const result = spawnSync(venvBin("jupyter"), process.argv.slice(2), { env: jupyterEnv(), stdio: "inherit" });
if (result.error)
  console.error(`proclab: cannot run the project's jupyter (${result.error.message}); run \`npm start\` or \`npm run setup\` first`);
process.exit(result.status ?? 1);
