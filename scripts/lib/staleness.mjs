// A stale build must not silently run old code: compare lib/ sources with the build stamp.
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "./project.mjs";

export const stampFile = path.join(projectRoot, "dist", ".build-stamp");

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** The sources (lib/, tsconfig.json, package.json) newer than the last build, or [] if none. */
export function staleSources() {
  if (!fs.existsSync(stampFile)) return ["(no build yet)"];
  const built = fs.statSync(stampFile).mtimeMs;
  const inputs = [path.join(projectRoot, "tsconfig.json"), path.join(projectRoot, "package.json")];
  const stale = inputs.filter((f) => fs.statSync(f).mtimeMs > built);
  if (newestMtime(path.join(projectRoot, "lib")) > built) stale.push("lib/");
  return stale;
}

export function isBuildStale() {
  return staleSources().length > 0;
}
