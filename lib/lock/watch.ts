/**
 * Who asked for, got or gave up which lock, told synchronously to watchers in this process.
 * The step scheduler needs it (it must know who holds and who waits to choose the next
 * step); events (`lock-requested`…) are for timelines and may be switched off on a hot path.
 */

export interface LockChange {
  what: "requested" | "acquired" | "released";
  /** The lock file's path. */
  lock: string;
}

const watchers = new Set<(change: LockChange) => void>();

/** Calls `watcher` on every lock change made by this process; returns the unsubscribe function. */
export function watchLocks(watcher: (change: LockChange) => void): () => void {
  watchers.add(watcher);
  return () => watchers.delete(watcher);
}

/** Called by the lock at each change. */
export function lockChanged(what: LockChange["what"], lock: string): void {
  for (const watcher of watchers) watcher({ what, lock });
}
