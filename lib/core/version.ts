import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "./paths";

function packageVersion(manifest: string): string {
  return (JSON.parse(fs.readFileSync(manifest, "utf8")) as { version: string }).version;
}

/** proclab's version, from its package.json. */
export const version: string = packageVersion(path.join(projectRoot, "package.json"));

/** The versions that make up the course's toolchain: Node.js, tslab (the kernel) and proclab. */
export function versions(): { node: string; tslab: string; proclab: string } {
  let tslab = "not installed";
  try {
    tslab = packageVersion(require.resolve("tslab/package.json", { paths: [projectRoot] }));
  } catch {
    // tslab is a development dependency: absent in a production-only install.
  }
  return { node: process.version, tslab, proclab: version };
}
