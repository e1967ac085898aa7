/**
 * Where a submission runs: bubblewrap (`bwrap`), an unprivileged Linux sandbox.
 *
 * Inside: the system's programs and libraries read-only (/usr and a few files of /etc), the
 * project's dist/, node_modules/ and package.json read-only, a private /tmp, and one writable
 * scratch folder. Not inside: the rest of the project (teacher notebooks with solutions and
 * hidden tests), other submissions, the gradebook, the network, /proc (with ptrace and
 * process_vm_* refused by a seccomp filter, no process can read another's memory: the judge's
 * key stays its own). Its own PID namespace: when the judge ends, every process it or a
 * submission started ends too, detached or not. Limits: memory per process (RLIMIT_AS), file
 * size (RLIMIT_FSIZE), processes (a pids cgroup where one can be made; else RLIMIT_NPROC for a
 * normal user), captured output, and wall time.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot } from "../core/paths";

export interface SandboxLimits {
  /** Address space per process, MB (RLIMIT_AS; V8 needs ~700 MB of it to start). */
  memoryMb: number;
  /** Processes in the sandbox at once (a pids cgroup; else RLIMIT_NPROC for a normal user). */
  processes: number;
  /** Memory of all the sandbox's processes together, MB (a memory cgroup, where one can be made). */
  totalMemoryMb: number;
  /** Largest file a process may write, MB; also the size of the private /tmp. */
  fileMb: number;
  /** Size of the writable working folder (a tmpfs), MB. */
  scratchMb: number;
  /** The whole run, seconds. */
  wallS: number;
  /** Output (stdout, stderr) kept, bytes; the rest is counted and dropped. */
  outputBytes: number;
}

/** What Node and the C library print when a process hits its memory limit. */
export const outOfMemory = /heap out of memory|Allocation failed|Fatal process out of memory|Cannot allocate memory|ENOMEM|std::bad_alloc/i;

export const defaultLimits: SandboxLimits = {
  memoryMb: 1024,
  processes: 256,
  totalMemoryMb: 8192,
  fileMb: 64,
  scratchMb: 256,
  wallS: 240,
  outputBytes: 256 * 1024,
};

export interface SandboxRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** What the judge wrote on fd 3. */
  result: string;
  timedOut: boolean;
  /** Output bytes dropped past the limit. */
  dropped: number;
  /** Processes the kernel killed for memory (known only with a memory cgroup). */
  oomKills: number;
}

/** Why submissions cannot be sandboxed here (null: they can). Runs `true` the way a submission runs, once per process. */
let sandboxChecked: string | null | undefined;
export function sandboxProblem(): string | null {
  if (sandboxChecked !== undefined) return sandboxChecked;
  if (spawnSync("bwrap", ["--version"]).error) {
    sandboxChecked = "bubblewrap (bwrap) is not installed: install it (Debian/Ubuntu: apt install bubblewrap)";
    return sandboxChecked;
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-sandbox-check-"));
  let filter: number | null = null;
  try {
    filter = seccompFd(scratch);
    const argv = sandboxArgv({ argv: ["/usr/bin/env", "true"], scratch, env: {}, stdin: "", limits: defaultLimits, sandbox: true }, []);
    const run = spawnSync(argv[0], argv.slice(1), {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe", "ignore", filter],
      timeout: 30_000,
    });
    if (run.error) sandboxChecked = `cannot run ${argv[0]} (${run.error.message})`;
    else if (run.status !== 0)
      sandboxChecked = `bubblewrap cannot make the grading sandbox here (${run.stderr.trim() || `exit ${run.status}`}): user namespaces may be disabled, or this bubblewrap is too old (0.8 or later needed)`;
    else sandboxChecked = null;
  } catch (error) {
    sandboxChecked = `cannot make the grading sandbox here: ${(error as Error).message}`;
  } finally {
    if (filter !== null) fs.closeSync(filter);
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return sandboxChecked;
}

/**
 * A classic BPF seccomp program: the calls that reach into another process (ptrace, reading or
 * writing its memory, taking its file descriptors) fail with EPERM; so does every call of a
 * foreign ABI (x86 32-bit, x32), whose numbers differ.
 */
function seccompProgram(): Buffer {
  const arches: Record<string, { audit: number; denied: number[] }> = {
    // ptrace, process_vm_readv, process_vm_writev, kcmp, pidfd_getfd, process_madvise. pidfd_open is
    // allowed: a pidfd does no more than kill() without these two, and the judge uses it (homework/kernel-view.ts).
    x64: { audit: 0xc000003e, denied: [101, 310, 311, 312, 438, 440] },
    arm64: { audit: 0xc00000b7, denied: [117, 270, 271, 272, 438, 440] },
  };
  const arch = arches[process.arch];
  if (!arch) throw new Error(`the grading sandbox knows the system call numbers of x64 and arm64 only, not ${process.arch}`);
  const [LD_ABS, JEQ, JGE, RET] = [0x20, 0x15, 0x35, 0x06];
  const ALLOW = 0x7fff0000;
  const EPERM = 0x00050000 | 1;
  const n = arch.denied.length;
  // Jumps count instructions to skip; the last two are "allow" and "EPERM".
  const program: Array<[number, number, number, number]> = [
    [LD_ABS, 0, 0, 4], // arch
    [JEQ, 0, n + 3, arch.audit],
    [LD_ABS, 0, 0, 0], // system call number
    [JGE, n + 1, 0, 0x40000000], // x32
    ...arch.denied.map((nr, i): [number, number, number, number] => [JEQ, n - i, 0, nr]),
    [RET, 0, 0, ALLOW],
    [RET, 0, 0, EPERM],
  ];
  const buffer = Buffer.alloc(program.length * 8);
  program.forEach(([code, jt, jf, k], i) => {
    buffer.writeUInt16LE(code, i * 8);
    buffer.writeUInt8(jt, i * 8 + 2);
    buffer.writeUInt8(jf, i * 8 + 3);
    buffer.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return buffer;
}

/** /bin, /lib… as on the host: symlinks into /usr stay symlinks, folders are bound read-only. */
function systemBinds(): string[] {
  const args = ["--ro-bind", "/usr", "/usr"];
  for (const top of ["/bin", "/sbin", "/lib", "/lib64", "/lib32"]) {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(top);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) args.push("--symlink", fs.readlinkSync(top), top);
    else if (stat.isDirectory()) args.push("--ro-bind", top, top);
  }
  // Only what programs need of /etc: not its secrets.
  for (const file of [
    "/etc/passwd",
    "/etc/group",
    "/etc/hosts",
    "/etc/nsswitch.conf",
    "/etc/ld.so.cache",
    "/etc/localtime",
    "/etc/alternatives",
  ]) {
    if (fs.existsSync(file)) args.push("--ro-bind", file, file);
  }
  // Node installed outside /usr (nvm, /opt, ~/bin): the folder of its binary only, not its parent (a home folder).
  const nodeDir = path.dirname(fs.realpathSync(process.execPath));
  if (!nodeDir.startsWith("/usr/")) args.push("--ro-bind", nodeDir, nodeDir);
  return args;
}

/**
 * Control groups for one run, where this process may make them (as root: the top of the hierarchy):
 * at most `processes` processes and `totalMemoryMb` of memory in all. v2 (one folder) or v1 (one
 * per controller); empty where none can be made.
 */
function makeCgroups(limits: SandboxLimits): string[] {
  const name = `proclab-grade-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const settings = {
    pids: { v2: ["pids.max", String(limits.processes)], v1: ["pids.max", String(limits.processes)] },
    memory: {
      v2: ["memory.max", String(limits.totalMemoryMb * 1024 * 1024)],
      v1: ["memory.limit_in_bytes", String(limits.totalMemoryMb * 1024 * 1024)],
    },
  } as const;
  const made: string[] = [];
  const tryMake = (dir: string, files: ReadonlyArray<readonly [string, string]>): boolean => {
    try {
      fs.mkdirSync(dir);
    } catch {
      return false;
    }
    try {
      for (const [file, value] of files) fs.writeFileSync(path.join(dir, file), value);
      made.push(dir);
      return true;
    } catch {
      fs.rmdirSync(dir);
      return false;
    }
  };
  const v2 = "/sys/fs/cgroup";
  const controllers = fs.existsSync(`${v2}/cgroup.controllers`) ? fs.readFileSync(`${v2}/cgroup.controllers`, "utf8").split(/\s+/) : [];
  if (controllers.includes("pids") && controllers.includes("memory")) {
    tryMake(path.join(v2, name), [settings.pids.v2, settings.memory.v2]);
    return made;
  }
  tryMake(path.join(v2, "pids", name), [settings.pids.v1]);
  tryMake(path.join(v2, "memory", name), [settings.memory.v1]);
  return made;
}

/** How many processes the kernel killed for memory in these cgroups. */
function oomKills(cgroups: readonly string[]): number {
  let kills = 0;
  for (const dir of cgroups) {
    for (const file of ["memory.events", "memory.oom_control"]) {
      try {
        const match = /^oom_kill (\d+)$/m.exec(fs.readFileSync(path.join(dir, file), "utf8"));
        if (match) kills += Number(match[1]);
      } catch {
        // not a memory cgroup
      }
    }
  }
  return kills;
}

/** Removes a run's cgroup once its last processes are reaped (they may take a moment); gives up after 5 s. */
async function removeCgroup(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Which limits on processes and total memory this machine lets the grader enforce, for the report. */
export function groupLimits(): "cgroup" | "rlimit" | "none" {
  const probe = makeCgroups({ ...defaultLimits });
  for (const dir of probe) fs.rmdirSync(dir);
  if (probe.length > 0) return "cgroup";
  return process.getuid?.() === 0 ? "none" : "rlimit";
}

export interface SandboxRequest {
  /** The command inside the sandbox (argv[0] an absolute path). */
  argv: string[];
  /** The writable folder; also the working directory. */
  scratch: string;
  env: Record<string, string>;
  stdin: string;
  limits: SandboxLimits;
  /** false: run without a sandbox (the teacher's --unsafe-no-sandbox). */
  sandbox: boolean;
}

/** The command line that runs `request` in bubblewrap, with its limits; fd 4 carries the seccomp filter. */
function sandboxArgv(request: SandboxRequest, cgroups: readonly string[]): string[] {
  const { limits } = request;
  const mb = 1024 * 1024;
  const root = process.getuid?.() === 0;
  const rlimits = [`--as=${limits.memoryMb * mb}`, `--fsize=${limits.fileMb * mb}`, "--core=0"];
  if (!cgroups.some((dir) => !dir.includes("/memory/")) && !root) {
    // RLIMIT_NPROC counts every thread of the user (a Node process has ~7–11): what runs now, plus the sandbox's share.
    const threads =
      spawnSync("ps", ["-L", "-U", String(process.getuid?.()), "-o", "lwp="], { encoding: "utf8" }).stdout?.split("\n").length ?? 0;
    rlimits.push(`--nproc=${threads + limits.processes * 12}`);
  }
  const env = Object.entries(request.env).flatMap(([key, value]) => ["--setenv", key, value]);
  const project = ["dist", "node_modules", "package.json"].flatMap((entry) => {
    const full = path.join(projectRoot, entry);
    return ["--ro-bind", full, full];
  });
  const argv = [
    "prlimit",
    ...rlimits,
    "--",
    "bwrap",
    "--unshare-all",
    "--die-with-parent",
    "--new-session",
    ...(root ? ["--cap-drop", "ALL"] : []),
    ...systemBinds(),
    "--dev",
    "/dev",
    "--size",
    String(limits.fileMb * mb),
    "--tmpfs",
    "/tmp",
    ...project,
    // The working folder is a tmpfs of its own at the scratch path: bounded, and nothing of it reaches the host.
    "--size",
    String(limits.scratchMb * mb),
    "--tmpfs",
    request.scratch,
    "--symlink",
    path.join(projectRoot, "node_modules"),
    path.join(request.scratch, "node_modules"),
    "--dir",
    path.join(request.scratch, "data"),
    "--dir",
    path.join(request.scratch, "tmp"),
    "--chdir",
    request.scratch,
    "--clearenv",
    ...env,
    "--seccomp",
    "4",
    "--",
    ...request.argv,
  ];
  // Joins the cgroups, then becomes the sandbox: everything in it is counted from its first instruction.
  return cgroups.length > 0
    ? ["sh", "-c", 'for g in $CGROUPS; do echo $$ > "$g/cgroup.procs" || exit 125; done; exec "$@"', "sh", ...argv]
    : argv;
}

/** The seccomp filter as an open file descriptor (the file itself is already unlinked). */
function seccompFd(folder: string): number {
  const filter = path.join(folder, `.seccomp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  fs.writeFileSync(filter, seccompProgram());
  try {
    return fs.openSync(filter, "r");
  } finally {
    fs.unlinkSync(filter);
  }
}

export function runSandboxed(request: SandboxRequest): Promise<SandboxRun> {
  const { limits } = request;
  const cgroups = request.sandbox ? makeCgroups(limits) : [];
  let filter: number | null = null;
  let argv: string[];
  try {
    if (request.sandbox) filter = seccompFd(request.scratch);
    argv = request.sandbox ? sandboxArgv(request, cgroups) : request.argv;
  } catch (error) {
    if (filter !== null) fs.closeSync(filter);
    for (const dir of cgroups) void removeCgroup(dir);
    return Promise.reject(error);
  }
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd: request.scratch,
      env: request.sandbox ? { PATH: process.env.PATH ?? "/usr/bin:/bin", CGROUPS: cgroups.join(" ") } : { ...request.env },
      stdio: ["pipe", "pipe", "pipe", "pipe", filter ?? "ignore"],
      detached: true, // its own process group: the wall-time kill reaches all of it
    });
    if (filter !== null) fs.closeSync(filter);
    // Bytes, decoded once at the end: a chunk boundary inside a UTF-8 character must not corrupt the signed result.
    const kept = { stdout: [] as Buffer[], stderr: [] as Buffer[], result: [] as Buffer[] };
    const sizes = { stdout: 0, stderr: 0, result: 0 };
    let dropped = 0;
    const keep = (stream: "stdout" | "stderr" | "result", limit: number) => (chunk: Buffer) => {
      const room = limit - sizes[stream];
      const taken = chunk.subarray(0, Math.max(0, room));
      kept[stream].push(taken);
      sizes[stream] += taken.length;
      if (stream !== "result") dropped += chunk.length - taken.length;
    };
    const streams = [child.stdout, child.stderr, child.stdio[3] as NodeJS.ReadableStream | null];
    child.stdout?.on("data", keep("stdout", limits.outputBytes));
    child.stderr?.on("data", keep("stderr", limits.outputBytes));
    streams[2]?.on("data", keep("result", 4 * 1024 * 1024));
    child.stdin?.on("error", () => undefined); // a judge that died early closed its stdin
    child.stdin?.end(request.stdin);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, limits.wallS * 1000);
    // Unsandboxed, a detached grandchild may hold the output pipes open forever: after the exit, wait a second at most.
    child.once("exit", () => {
      setTimeout(() => {
        for (const stream of streams) (stream as (NodeJS.ReadableStream & { destroy?: () => void }) | null)?.destroy?.();
      }, 1000).unref();
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      for (const dir of cgroups) void removeCgroup(dir);
      reject(new Error(`cannot start the grading sandbox (${argv[0]}): ${error.message}`));
    });
    child.once("close", (status, signal) => {
      clearTimeout(timer);
      killGroup(child.pid); // unsandboxed: what the judge left behind in its group
      const kills = oomKills(cgroups);
      const text = (stream: keyof typeof kept): string => Buffer.concat(kept[stream]).toString("utf8");
      void Promise.all(cgroups.map(removeCgroup)).then(() =>
        resolve({
          status,
          signal,
          stdout: text("stdout"),
          stderr: text("stderr"),
          result: text("result"),
          timedOut,
          dropped,
          oomKills: kills,
        }),
      );
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // gone already
  }
}
