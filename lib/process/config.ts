/**
 * What a proclab child knows about itself. The parent passes it as one JSON
 * argument (not env vars, so unrelated programs a child starts inherit nothing).
 */

export interface ChildConfig {
  /** Process name (`Process-1`, `main`, `Pool-worker-2`…). */
  name: string;
  daemon: boolean;
  /** Whether the root echoes this process's prints into the running cell. */
  echo: boolean;
  /** Python's `_identity`: names children `Process-<identity>:<n>`. */
  identity: number[];
  /** Pids of the proclab ancestors below the root, oldest first. */
  ancestry: number[];
  /** Unix socket of the root's collector. */
  collector: string;
  /** `process` runs one target; `worker` serves pool tasks until closed. */
  mode: "process" | "worker";
}

let self: ChildConfig | null = null;

/** This process's config, or null in the root (a notebook kernel, a test, a script). */
export function childConfig(): ChildConfig | null {
  return self;
}

export function setChildConfig(config: ChildConfig): void {
  self = config;
}

let counter = 0;

/** Python's default name for the next child: `Process-N` (`Process-1:N` below Process-1). */
export function nextChildIdentity(): number[] {
  counter += 1;
  return [...(self?.identity ?? []), counter];
}
