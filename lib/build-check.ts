/**
 * A stale build must not silently run old code: when a notebook imports proclab while
 * lib/ holds sources newer than the build, say so loudly (once, in the importing process).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "./paths";

function newestSource(dir: string): { file: string; mtimeMs: number } | null {
  let newest: { file: string; mtimeMs: number } | null = null;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const candidate = entry.isDirectory() ? newestSource(full) : entry.name.endsWith(".ts") ? { file: full, mtimeMs: fs.statSync(full).mtimeMs } : null;
    if (candidate && (!newest || candidate.mtimeMs > newest.mtimeMs)) newest = candidate;
  }
  return newest;
}

/** The newest lib/ source changed after the last build, or null when the build is current. */
export function staleSource(): string | null {
  const stamp = path.join(projectRoot, "dist", ".build-stamp");
  const sources = path.join(projectRoot, "lib");
  if (!fs.existsSync(stamp) || !fs.existsSync(sources)) return null;
  const newest = newestSource(sources);
  return newest && newest.mtimeMs > fs.statSync(stamp).mtimeMs ? path.relative(projectRoot, newest.file) : null;
}

export function warnIfBuildStale(): void {
  const source = staleSource();
  if (source) {
    console.warn(`proclab: WARNING — ${source} changed after the last build, so this is running OLD library code. Run \`npm run build\` and restart the kernel.`);
  }
}
