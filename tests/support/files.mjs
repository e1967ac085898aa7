// Scratch file trees for tests: write files by relative path, creating their folders.
import * as fs from "node:fs";
import * as path from "node:path";

/** A writer of `text` to `file` (relative to `root`), creating the folders on the way. */
export function fileWriter(root) {
  return (file, text) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };
}
