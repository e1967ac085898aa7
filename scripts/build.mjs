#!/usr/bin/env node
// Builds lib/ into dist/ and links node_modules/proclab to the project, so that
// notebooks, tests and `node -e "require('proclab')"` import the built library by name.
//   --if-stale  build only when a source under lib/ is newer than the last build
//   --quiet     print nothing when there is nothing to do
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { isBuildStale, stampFile } from "./lib/staleness.mjs";
import { projectRoot } from "./lib/project.mjs";

const args = process.argv.slice(2);
const ifStale = args.includes("--if-stale");
const quiet = args.includes("--quiet");

linkSelf();
if (ifStale && !isBuildStale()) {
  if (!quiet) console.log("proclab: build is up to date");
  process.exit(0);
}
const tsc = path.join(projectRoot, "node_modules", "typescript", "bin", "tsc");
if (!fs.existsSync(tsc)) {
  console.error("proclab: TypeScript is not installed; run `npm install` first (npm start does it for you)");
  process.exit(1);
}
const started = Date.now();
// From scratch, into a fresh folder swapped in when the build succeeds: a module moved or
// deleted in lib/ does not live on in dist/, and a failed build leaves the last good one.
const dist = path.join(projectRoot, "dist");
const fresh = `${dist}.building-${process.pid}`;
fs.rmSync(fresh, { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, "-p", path.join(projectRoot, "tsconfig.json"), "--outDir", fresh], { stdio: "inherit" });
if (result.status !== 0) {
  fs.rmSync(fresh, { recursive: true, force: true });
  console.error("proclab: build failed (TypeScript errors above); dist/ keeps the last good build");
  process.exit(result.status ?? 1);
}
fs.writeFileSync(path.join(fresh, path.basename(stampFile)), new Date().toISOString() + "\n");
const old = `${dist}.old-${process.pid}`;
if (fs.existsSync(dist)) fs.renameSync(dist, old);
fs.renameSync(fresh, dist);
fs.rmSync(old, { recursive: true, force: true });
if (!quiet) console.log(`proclab: built lib/ -> dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);

/** node_modules/proclab -> .. : self-import by name for Node and for tslab's TypeScript. */
function linkSelf() {
  const link = path.join(projectRoot, "node_modules", "proclab");
  fs.mkdirSync(path.dirname(link), { recursive: true });
  try {
    if (fs.readlinkSync(link) === "..") return;
    fs.rmSync(link, { recursive: true, force: true });
  } catch (error) {
    if (error.code === "EINVAL") fs.rmSync(link, { recursive: true, force: true });
    else if (error.code !== "ENOENT") throw error;
  }
  fs.symlinkSync("..", link, "dir");
}
