/**
 * Where the project's files live, found from the compiled library's own location,
 * so notebooks (cwd = notebooks/), tests and child processes agree.
 */
import * as fs from "node:fs";
import * as path from "node:path";

function findProjectRoot(start: string): string {
  let dir = start;
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      const { name } = JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string };
      if (name === "proclab") return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`proclab: no package.json named "proclab" above ${start}`);
    dir = parent;
  }
}

/** The project root (the folder holding proclab's package.json). */
export const projectRoot: string = findProjectRoot(__dirname);

/** The data folder (`data/`), home of `db.json` and lock files. */
export const dataDir: string = path.join(projectRoot, "data");

/** The article's database: `data/db.json`. */
export const defaultDbPath: string = path.join(dataDir, "db.json");
