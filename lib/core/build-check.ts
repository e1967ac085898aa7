/**
 * A stale build must not silently run old code. The one rule, used by `npm run build --if-stale`
 * (scripts/build.mjs) and by the library itself when a notebook imports it: the build is stale
 * when a TypeScript source under lib/, tsconfig.json or package.json changed after the last build.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "./paths";

/** Written by scripts/build.mjs after every successful build. */
const buildStamp = path.join(projectRoot, "dist", ".build-stamp");

function newestSource(dir: string): { file: string; mtimeMs: number } | null {
  let newest: { file: string; mtimeMs: number } | null = null;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const candidate = entry.isDirectory()
      ? newestSource(full)
      : entry.name.endsWith(".ts")
        ? { file: full, mtimeMs: fs.statSync(full).mtimeMs }
        : null;
    if (candidate && (!newest || candidate.mtimeMs > newest.mtimeMs)) newest = candidate;
  }
  return newest;
}

/** The inputs changed after the last build (project-relative), e.g. ["lib/tickets/rush.ts"]; [] when the build is current. */
export function staleSources(): string[] {
  if (!fs.existsSync(buildStamp)) return ["(no build yet)"];
  const built = fs.statSync(buildStamp).mtimeMs;
  const stale = ["tsconfig.json", "package.json"].filter((file) => fs.statSync(path.join(projectRoot, file)).mtimeMs > built);
  const newest = fs.existsSync(path.join(projectRoot, "lib")) ? newestSource(path.join(projectRoot, "lib")) : null;
  if (newest && newest.mtimeMs > built) stale.unshift(path.relative(projectRoot, newest.file));
  return stale;
}

/** The newest source changed after the last build, or null when the build is current (or there are no sources: an installed copy). */
export function staleSource(): string | null {
  if (!fs.existsSync(buildStamp) || !fs.existsSync(path.join(projectRoot, "lib"))) return null;
  return staleSources()[0] ?? null;
}

export function warnIfBuildStale(): void {
  const source = staleSource();
  if (source) {
    console.warn(
      `proclab: WARNING — ${source} changed after the last build, so this is running OLD library code. Run \`npm run build\` and restart the kernel.`,
    );
  }
}
