// Which processes a browser test started, read from /proc (Linux): every process the test
// starts inherits a marker variable, so strays are found even after they were re-parented.
import * as fs from "node:fs";

function readProc(pid, file) {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, "utf8");
  } catch {
    return null; // gone meanwhile, or not ours to read
  }
}

/** Every live process: pid, parent pid, process group and command line. */
export function listProcesses() {
  const found = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProc(entry, "stat");
    if (!stat) continue;
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z") continue; // a zombie already ended; only its parent's wait is missing
    const cmdline = (readProc(entry, "cmdline") ?? "").split("\0").filter(Boolean).join(" ");
    found.push({ pid: Number(entry), ppid: Number(fields[1]), pgid: Number(fields[2]), cmdline });
  }
  return found;
}

/** Processes whose environment holds `name=value`. */
export function processesMarked(name, value) {
  const needle = `${name}=${value}`;
  return listProcesses().filter((p) => p.pid !== process.pid && (readProc(p.pid, "environ") ?? "").split("\0").includes(needle));
}

/** The descendants of `pid` (children, their children, …). */
export function descendantsOf(pid, processes = listProcesses()) {
  const result = [];
  let frontier = [pid];
  while (frontier.length) {
    const children = processes.filter((p) => frontier.includes(p.ppid));
    result.push(...children);
    frontier = children.map((p) => p.pid);
  }
  return result;
}

/** One line per process, for failure messages. */
export function describe(processes) {
  return processes.map((p) => `  pid ${p.pid} (parent ${p.ppid}): ${p.cmdline.slice(0, 160)}`).join("\n");
}
