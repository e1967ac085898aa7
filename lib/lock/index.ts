/** `proclab/lock`: a mutex shared by processes, and the hook that tells a scheduler who holds and who waits. */
export { Lock, holding, type LockHolder } from "./lock";
export { watchLocks, type LockChange } from "./watch";
