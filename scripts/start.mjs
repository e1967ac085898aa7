#!/usr/bin/env node
// `npm start`: set everything up, then open JupyterLab on notebooks/.
// Flags after `--` go to JupyterLab, e.g. `npm start -- --no-browser --port 8899`.
import { spawn } from "node:child_process";
import { setup } from "./setup.mjs";
import { jupyterEnv, venvBin } from "./lib/jupyter.mjs";
import { notebooksDir } from "./lib/project.mjs";
import { step } from "./lib/log.mjs";

setup();
const passThrough = process.argv.slice(2);
// JupyterLab refuses to run as root (containers, CI) unless told; a teacher's own user is unaffected.
if (process.getuid?.() === 0 && !passThrough.includes("--allow-root")) passThrough.push("--allow-root");
step(`starting JupyterLab on notebooks/ ${passThrough.join(" ")}`.trim());
const lab = spawn(venvBin("jupyter"), ["lab", `--notebook-dir=${notebooksDir}`, ...passThrough], { env: jupyterEnv(), stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => lab.kill(signal));
lab.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
