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
  /** The whole run, seconds. */
  wallS: number;
  /** Output (stdout, stderr) kept, bytes; the rest is counted and dropped. */
  outputBytes: number;
}

export const defaultLimits: SandboxLimits = {
  memoryMb: 1536,
  processes: 256,
  totalMemoryMb: 4096,
  fileMb: 64,
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

/** Why bubblewrap cannot sandbox here (null: it can). Tried once per process. */
let bwrapChecked: string | null | undefined;
export function sandboxProblem(): string | null {
  if (bwrapChecked !== undefined) return bwrapChecked;
  const run = spawnSync("bwrap", ["--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "true"], { encoding: "utf8" });
  if (run.error) bwrapChecked = "bubblewrap (bwrap) is not installed: install it (Debian/Ubuntu: apt install bubblewrap)";
  else if (run.status !== 0)
    bwrapChecked = `bubblewrap cannot make a sandbox here (${run.stderr.trim() || `exit ${run.status}`}): user namespaces may be disabled`;
  else bwrapChecked = null;
  return bwrapChecked;
}

/** A classic BPF seccomp program: ptrace, process_vm_readv and process_vm_writev fail with EPERM; foreign ABIs too. */
function seccompProgram(): Buffer {
  const arches: Record<string, { audit: number; ptrace: number; readv: number; writev: number }> = {
    x64: { audit: 0xc000003e, ptrace: 101, readv: 310, writev: 311 },
    arm64: { audit: 0xc00000b7, ptrace: 117, readv: 270, writev: 271 },
  };
  const arch = arches[process.arch];
  if (!arch) throw new Error(`the grading sandbox knows the system call numbers of x64 and arm64 only, not ${process.arch}`);
  const LD_ABS = 0x20;
  const JEQ = 0x15;
  const JGE = 0x35;
  const RET = 0x06;
  const ALLOW = 0x7fff0000;
  const EPERM = 0x00050000 | 1;
  const program: Array<[number, number, number, number]> = [
    [LD_ABS, 0, 0, 4], // arch
    [JEQ, 0, 6, arch.audit], // another ABI (x86 32-bit, x32): refused
    [LD_ABS, 0, 0, 0], // system call number
    [JGE, 4, 0, 0x40000000], // x32 numbers
    [JEQ, 3, 0, arch.ptrace],
    [JEQ, 2, 0, arch.readv],
    [JEQ, 1, 0, arch.writev],
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
  // Node installed outside /usr (nvm, /opt): its folder too.
  const nodePrefix = path.dirname(path.dirname(fs.realpathSync(process.execPath)));
  if (!nodePrefix.startsWith("/usr/") && nodePrefix !== "/usr") args.push("--ro-bind", nodePrefix, nodePrefix);
  return args;
}

/**
 * Control groups for one run, where this process may make them (root, or a delegated subtree):
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

function removeCgroup(dir: string): void {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      spawnSync("sleep", ["0.1"]); // its last processes are still being reaped
    }
  }
}

/** Which limits on processes and total memory this machine lets the grader enforce, for the report. */
export function groupLimits(): "cgroup" | "rlimit" | "none" {
  const probe = makeCgroups({ ...defaultLimits });
  for (const dir of probe) removeCgroup(dir);
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

export function runSandboxed(request: SandboxRequest): Promise<SandboxRun> {
  const { limits } = request;
  const mb = 1024 * 1024;
  const root = process.getuid?.() === 0;
  const cgroups = request.sandbox ? makeCgroups(limits) : [];
  const cgroup = cgroups.find((dir) => !dir.includes("/memory/")) ?? null; // where processes are counted
  const rlimits = [`--as=${limits.memoryMb * mb}`, `--fsize=${limits.fileMb * mb}`];
  if (!cgroup && !root && request.sandbox) {
    // RLIMIT_NPROC counts every process of the user: allow what runs now, plus the sandbox's share.
    const running = spawnSync("ps", ["-U", String(process.getuid?.()), "-o", "pid="], { encoding: "utf8" }).stdout.split("\n").length;
    rlimits.push(`--nproc=${running + limits.processes}`);
  }
  let argv: string[];
  let seccompFd: number | null = null;
  if (request.sandbox) {
    const filter = path.join(request.scratch, ".seccomp");
    fs.writeFileSync(filter, seccompProgram());
    seccompFd = fs.openSync(filter, "r");
    fs.unlinkSync(filter);
    const env = Object.entries(request.env).flatMap(([key, value]) => ["--setenv", key, value]);
    const project = ["dist", "node_modules", "package.json"].flatMap((entry) => {
      const full = path.join(projectRoot, entry);
      return ["--ro-bind", full, full];
    });
    argv = [
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
      "--bind",
      request.scratch,
      request.scratch,
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
    if (cgroups.length > 0)
      argv = ["sh", "-c", 'for g in $CGROUPS; do echo $$ > "$g/cgroup.procs" || exit 125; done; exec "$@"', "sh", ...argv];
  } else {
    argv = request.argv;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd: request.scratch,
      env: request.sandbox ? { PATH: process.env.PATH ?? "/usr/bin:/bin", CGROUPS: cgroups.join(" ") } : { ...request.env },
      stdio: ["pipe", "pipe", "pipe", "pipe", seccompFd ?? "ignore"],
      detached: true, // its own process group: the wall-time kill reaches all of it
    });
    if (seccompFd !== null) fs.closeSync(seccompFd);
    const kept = { stdout: "", stderr: "", result: "" };
    let dropped = 0;
    const keep = (stream: "stdout" | "stderr" | "result", limit: number) => (chunk: Buffer) => {
      const room = limit - Buffer.byteLength(kept[stream]);
      if (room >= chunk.length) kept[stream] += chunk.toString("utf8");
      else {
        if (room > 0) kept[stream] += chunk.subarray(0, room).toString("utf8");
        dropped += chunk.length - Math.max(0, room);
      }
    };
    child.stdout?.on("data", keep("stdout", limits.outputBytes));
    child.stderr?.on("data", keep("stderr", limits.outputBytes));
    (child.stdio[3] as NodeJS.ReadableStream | null)?.on("data", keep("result", 4 * mb));
    child.stdin?.on("error", () => undefined); // a judge that died early closed its stdin
    child.stdin?.end(request.stdin);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, limits.wallS * 1000);
    child.once("error", (error) => {
      clearTimeout(timer);
      for (const dir of cgroups) removeCgroup(dir);
      reject(new Error(`cannot start the grading sandbox (${argv[0]}): ${error.message}`));
    });
    child.once("close", (status, signal) => {
      clearTimeout(timer);
      killGroup(child.pid); // unsandboxed: what the judge left behind in its group
      const kills = oomKills(cgroups);
      for (const dir of cgroups) removeCgroup(dir);
      resolve({ status, signal, ...kept, timedOut, dropped, oomKills: kills });
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
