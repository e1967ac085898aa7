/**
 * The state folder's sweep. Processes that exit normally remove their lock state (see
 * LockFiles.removeWaitDirIfUnused); processes that are killed (SIGKILL, or a signal Node ends on
 * without an exit event) leave it in the state folder, where no deletion of a project
 * folder reaches it. At most once a minute, the first lock a process opens sweeps:
 * - waiters' folders in which no live process has a FIFO (safe at any time: a process
 *   makes its folder again before putting its FIFO in);
 * - lock directories of dead holders that nobody waits for, got over a minute ago: taken over
 *   atomically first, as a waiter recovering the lock would (so a waiter that got there first
 *   is never robbed), then freed, and a waiter that came meanwhile woken. Locks with live
 *   waiters, and recent ones, are left to the waiters, whose recovery the course shows.
 * Only entries named as state-folder.ts names them are looked at: the folder may be shared.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { now } from "../core/clock";
import { isAlive, selfIdentity } from "../core/pids";
import { LockFiles } from "./layout";
import { removeAbandonedEmptyDir } from "./mutex";
import { freeAndWake } from "./queue";

const SWEEP_EVERY_MS = 60_000;
/** A dead holder's lock got this long ago, or an ownerless lock directory this old, is swept. */
const ABANDONED_FOR_MS = 60_000;

export function sweepStateFolder(folder: string): void {
  const sweptStamp = path.join(folder, ".swept");
  try {
    if (Date.now() - fs.statSync(sweptStamp).mtimeMs < SWEEP_EVERY_MS) return;
  } catch {
    // Never swept.
  }
  fs.writeFileSync(sweptStamp, "");
  for (const name of fs.readdirSync(folder)) {
    const match = /^(.+-[0-9a-f]{12})\.(lock|wait)$/.exec(name);
    if (!match) continue;
    const base = path.join(folder, match[1]);
    const files = new LockFiles(base, base);
    try {
      if (match[2] === "wait") files.removeWaitDirIfUnused();
      else freeAbandonedLock(files);
    } catch {
      // Best effort: an entry that changed meanwhile, or is not a lock's, is left for next time.
    }
  }
}

function freeAbandonedLock(files: LockFiles): void {
  const marker = files.readMarker();
  if (!marker) {
    if ((files.lockDirAgeMs() ?? 0) > ABANDONED_FOR_MS) removeAbandonedEmptyDir(files);
    return;
  }
  if (now() - marker.since < ABANDONED_FOR_MS || isAlive(marker) || files.hasLiveWaiter()) return;
  const self = selfIdentity();
  if (!files.transfer(marker, self, now())) return; // a waiter recovered it meanwhile
  freeAndWake(files, self);
}
