#!/usr/bin/env node
// `npm start`: set everything up, then open JupyterLab on notebooks/.
// Flags after `--` go to JupyterLab, e.g. `npm start -- --no-browser --port 8899`; `--lang zh-CN`
// opens the Chinese edition.
import { spawn } from "node:child_process";
import { setup } from "./setup.mjs";
import { jupyterEnv, venvBin } from "./lib/jupyter.mjs";
import { notebooksDir } from "./lib/project.mjs";
import { step } from "./lib/log.mjs";

// `--lang zh-CN` opens the Chinese edition (notebooks/zh-CN/); other flags go to JupyterLab.
let lang = "en";
const passThrough = [];
for (let i = 2; i < process.argv.length; i++) {
  const arg = process.argv[i];
  if (arg === "--lang") lang = process.argv[++i];
  else if (arg.startsWith("--lang=")) lang = arg.slice("--lang=".length);
  else passThrough.push(arg);
}
if (!["en", "zh-CN"].includes(lang)) {
  console.error(`npm start: --lang must be en or zh-CN, got ${JSON.stringify(lang ?? "")}`);
  process.exit(2);
}
setup();
// Notebook 06 runs real database servers: say which are installed, and how to get the others.
const { enginesPresent } = await import("proclab/servers");
const engines = Object.entries(enginesPresent());
const missing = engines.filter(([, e]) => !e.present);
step(
  missing.length === 0
    ? `database servers for notebook 06: ${engines.map(([name]) => name).join(", ")} installed`
    : `notebook 06 needs database servers not installed here: ${missing.map(([name, e]) => `${name} (${e.install})`).join("; ")}`,
);
// The Chinese edition opens on its welcome notebook, with the file browser in notebooks/zh-CN/.
if (lang === "zh-CN") passThrough.push("--LabApp.default_url=/lab/tree/zh-CN/00-welcome.ipynb");
// JupyterLab refuses to run as root (containers, CI) unless told; a teacher's own user is unaffected.
if (process.getuid?.() === 0 && !passThrough.includes("--allow-root")) passThrough.push("--allow-root");
step(`starting JupyterLab on notebooks/ ${passThrough.join(" ")}`.trim());
const lab = spawn(venvBin("jupyter"), ["lab", `--notebook-dir=${notebooksDir}`, ...passThrough], {
  env: { ...jupyterEnv(), ...(lang === "zh-CN" ? { PROCLAB_LANG: "zh-CN" } : {}) },
  stdio: "inherit",
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => lab.kill(signal));
lab.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
