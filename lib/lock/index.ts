export { Lock, type LockHolder } from "./lock";
