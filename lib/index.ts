/** proclab: the shared library of the course. Notebooks import everything from here. */
export { now, sleep } from "./clock";
export { projectRoot, dataDir, defaultDbPath } from "./paths";
export { emit, onEvent, type ProcEvent } from "./events";
export { version, versions } from "./version";
export * from "./process";
export * from "./lock";
export * from "./tickets";
export * from "./plots";
export * from "./python";
export * from "./experiments";
export * from "./schedule";
export * from "./homework";

import { warnIfBuildStale } from "./build-check";
// Checked once by a root process (kernel, CLI, test); children (started with an IPC channel) skip it.
if (!process.send) warnIfBuildStale();
