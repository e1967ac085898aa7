// Preloaded by scripts/test.mjs (node --import) into every test file's process: files run in
// parallel, so each gets its own data folder (db.json, locks/) under the stage's
// PROCLAB_DATA_DIR, named after the file. The library reads PROCLAB_DATA_DIR once, at import,
// which is after this runs; child processes the tests start inherit the same folder.
import * as fs from "node:fs";
import * as path from "node:path";

const file = process.argv[1] ?? "";
if (process.env.PROCLAB_DATA_DIR && /\.test\.m?js$/.test(file)) {
  const own = path.join(path.resolve(process.env.PROCLAB_DATA_DIR), path.basename(file).replace(/\.test\.m?js$/, ""));
  fs.mkdirSync(own, { recursive: true });
  process.env.PROCLAB_DATA_DIR = own;
}
