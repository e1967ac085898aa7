// Paths every script shares.
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const buildDir = path.join(projectRoot, "build");
export const venvDir = path.join(projectRoot, ".venv");
export const jupyterDataDir = path.join(projectRoot, ".jupyter", "data");
export const notebooksDir = path.join(projectRoot, "notebooks");
