#!/usr/bin/env node
// `npm run bench [-- process|lock …]`: runs the benchmarks (all by default); each prints a
// table and writes JSON under build/bench/. Benchmarks report figures; tests assert behaviour.
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const benches = { process: "process.mjs", lock: "lock.mjs", grading: "grading.mjs", stores: "stores.mjs" };
const chosen = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const flags = process.argv.slice(2).filter((a) => a.startsWith("-"));
for (const name of chosen)
  if (!(name in benches)) {
    console.error(`bench: unknown benchmark "${name}"; expected one of: ${Object.keys(benches).join(", ")}`);
    process.exit(2);
  }
let failed = false;
for (const name of chosen.length ? chosen : Object.keys(benches)) {
  console.log(`\n== bench ${name}`);
  const result = spawnSync(process.execPath, [path.join(import.meta.dirname, benches[name]), ...flags], { stdio: "inherit" });
  failed ||= result.status !== 0;
}
process.exit(failed ? 1 : 0);
