/** proclab: the shared library of the course. Notebooks import everything from here. */
export { now, sleep } from "./clock";
export { projectRoot, dataDir, defaultDbPath } from "./paths";
export { emit, onEvent, type ProcEvent } from "./events";
export { version } from "./version";
