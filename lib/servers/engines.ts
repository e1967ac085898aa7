/**
 * Where the database servers' programs are, and what to install when one is missing.
 * Debian keeps PostgreSQL's server programs in /usr/lib/postgresql/<version>/bin (not on PATH);
 * Homebrew keeps them in its opt/ folders.
 */
import { tr } from "../core/lang";
import * as fs from "node:fs";
import * as path from "node:path";

export type Engine = "postgres" | "redis" | "etcd";

/** The programs each engine needs (the first is the server). */
const programs: Readonly<Record<Engine, readonly string[]>> = {
  postgres: ["postgres", "initdb"],
  redis: ["redis-server"],
  etcd: ["etcd"],
};

/** What to install, per system. */
export const installHint: Readonly<Record<Engine, string>> = {
  postgres: "Debian/Ubuntu: sudo apt-get install postgresql · macOS: brew install postgresql@17",
  redis: "Debian/Ubuntu: sudo apt-get install redis-server · macOS: brew install redis",
  etcd: "Debian/Ubuntu: sudo apt-get install etcd-server · macOS: brew install etcd",
};

/** A server program that is not installed: the message names the engine and what to install. */
export class EngineMissingError extends Error {
  override name = "EngineMissingError";
  constructor(
    readonly engine: Engine,
    program: string,
  ) {
    super(`${engine} is not installed here (no ${program} program found). Install it — ${installHint[engine]}`);
  }
}

/** Folders to search besides PATH, newest version first. */
function extraFolders(engine: Engine): string[] {
  if (engine !== "postgres") return ["/opt/homebrew/bin", "/usr/local/bin"];
  const versions = (root: string, pattern: RegExp, bin: (name: string) => string): string[] => {
    try {
      return fs
        .readdirSync(root)
        .filter((name) => pattern.test(name))
        .sort((a, b) => Number(b.match(/\d+/)?.[0] ?? 0) - Number(a.match(/\d+/)?.[0] ?? 0))
        .map((name) => bin(name));
    } catch {
      return [];
    }
  };
  return [
    ...versions("/usr/lib/postgresql", /^\d+$/, (v) => `/usr/lib/postgresql/${v}/bin`),
    ...versions("/opt/homebrew/opt", /^postgresql(@\d+)?$/, (v) => `/opt/homebrew/opt/${v}/bin`),
    ...versions("/usr/local/opt", /^postgresql(@\d+)?$/, (v) => `/usr/local/opt/${v}/bin`),
  ];
}

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The full path of each of `engine`'s programs; throws EngineMissingError naming what to install. */
export function findEngine(engine: Engine): Record<string, string> {
  // PostgreSQL's programs must come from one installation: search folder by folder.
  const folders = [...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean), ...extraFolders(engine)];
  const found: Record<string, string> = {};
  for (const program of programs[engine]) {
    const home = folders.find((folder) => executable(path.join(folder, program)));
    if (!home) throw new EngineMissingError(engine, program);
    found[program] = path.join(home, program);
  }
  return found;
}

/** Which engines are installed, and the hint for each missing one (for `npm start` and a notebook's first cell). */
export function enginesPresent(): Record<Engine, { present: true } | { present: false; install: string }> {
  const result = {} as Record<Engine, { present: true } | { present: false; install: string }>;
  for (const engine of Object.keys(programs) as Engine[]) {
    try {
      findEngine(engine);
      result[engine] = { present: true };
    } catch {
      result[engine] = { present: false, install: installHint[engine] };
    }
  }
  return result;
}

/** Throws one error naming every missing engine and what to install (a notebook's first cell). */
export function requireEngines(engines: readonly Engine[]): void {
  const present = enginesPresent();
  const missing = engines.filter((engine) => !present[engine].present);
  if (missing.length === 0) return;
  const lines = missing.map((engine) => `  ${engine}: ${installHint[engine]}`);
  const error = new Error(
    tr(
      `This chapter needs ${missing.join(", ")}, not installed here. Install, then restart the kernel:\n${lines.join("\n")}`,
      `本章需要 ${missing.join("、")}，这台机器上没有安装。请安装后重启内核：\n${lines.join("\n")}`,
    ),
  );
  error.name = "EngineMissingError";
  error.stack = `${error.name}: ${error.message}`; // the message is the whole story: no stack trace
  throw error;
}
