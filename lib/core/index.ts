/**
 * `proclab/core`: what every layer builds on — one clock for all processes, typed events,
 * seeded randomness, the project's paths, pid liveness, the Linux-only switch, values that travel to children,
 * plain-text tables and the bridge to a running notebook.
 */
export { now, sleep } from "./clock";
export { emit, onEvent, type ProcEvent, type EventType, type EventOf, type EventData } from "./events";
export { mulberry32, uniform, deriveSeed, type Random } from "./random";
export { projectRoot, dataDir, defaultDbPath } from "./paths";
export { isRunning, isAlive, selfIdentity, type ProcessIdentity } from "./pids";
export { linuxExtras, portable } from "./platform";
export { readJsonLines, writeJsonLine } from "./lines";
export { TRANSFER, registerReviver, reviveTransferred, type Transfer, type Transferable, type TransferredValue } from "./transfer";
export { textTable } from "./text";
export { inNotebook, displayBundle, updatingDisplay, type MimeBundle, type UpdatingDisplay } from "./notebook";
export { version, versions } from "./version";
export { staleSource, staleSources } from "./build-check";
export { language, tr, type Language } from "./lang";
export { phrase } from "./phrases";
