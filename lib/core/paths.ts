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

/**
 * The data folder, home of `db.json` and lock files: `data/`, unless PROCLAB_DATA_DIR
 * names another (the test and grading runs use a scratch copy so `data/` stays untouched).
 */
export const dataDir: string = process.env.PROCLAB_DATA_DIR ? path.resolve(process.env.PROCLAB_DATA_DIR) : path.join(projectRoot, "data");

/** The article's database: `db.json` in the data folder. */
export const defaultDbPath: string = path.join(dataDir, "db.json");
