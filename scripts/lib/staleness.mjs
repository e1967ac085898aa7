// Whether lib/ must be built again. The rule lives in the library (lib/core/build-check.ts) and is
// read from the last build; with no build at all there is nothing to ask, and the answer is yes.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { projectRoot } from "./project.mjs";

export const stampFile = path.join(projectRoot, "dist", ".build-stamp");
/** The sources (lib/…, tsconfig.json, package.json) newer than the last build, or [] if none. */
export function staleSources() {
  if (!fs.existsSync(stampFile)) return ["(no build yet)"];
  return createRequire(import.meta.url)("proclab/core").staleSources();
}

export function isBuildStale() {
  return staleSources().length > 0;
}
