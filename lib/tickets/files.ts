/**
 * Checks of the files a rush reads and writes (db.json, recordings), made before anything is
 * touched, with messages that name the path and say what was expected instead of raw errno text.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { showInput } from "../core/text";

/** A path for a message: whole, unless absurdly long. */
export function shownPath(file: string): string {
  return file.length <= 200 ? file : showInput(file, 120);
}

const reasons: Readonly<Record<string, string>> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOENT: "it does not exist",
  ENOTDIR: "a part of its path is a file, not a folder",
  EISDIR: "it is a folder",
  ELOOP: "too many symbolic links",
  ENAMETOOLONG: "the path is too long",
  EROFS: "the file system is read-only",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EXDEV: "it is on another file system",
  EBUSY: "it is busy",
  ETXTBSY: "it is busy",
  EAGAIN: "it would block",
};

/** What went wrong, in words (the errno code kept for searching), without Node's path-less message. */
export function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code && reasons[code]) return `${reasons[code]} (${code})`;
  return code ?? (error instanceof Error ? error.message : String(error));
}

/** The kind of a file that is not a regular file, for messages. */
function kindOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return "a folder";
  if (stat.isFIFO()) return "a FIFO (named pipe)";
  if (stat.isSocket()) return "a socket";
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return "a device";
  return "not a regular file";
}

/** /proc and /sys hold the kernel's view, not files: nothing of ours may live there. */
function onVirtualFileSystem(file: string): string | null {
  for (const root of ["/proc", "/sys"]) if (file === root || file.startsWith(`${root}/`)) return root;
  return null;
}

function statOrNull(file: string): fs.Stats | null {
  try {
    return fs.statSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/**
 * Why `file` cannot be written as `what` (a regular file that exists, or a new file in an
 * existing writable folder), or null when it can. `example`: a file name for the hint when `file` is
 * a folder. `mayCreateFolder`: a missing folder that will be
 * made on demand (the project's data folder). Reads only metadata: creates nothing.
 */
export function writableFileProblem(file: unknown, what: string, example: string, mayCreateFolder?: string): string | null {
  if (typeof file !== "string" || file === "") return `must be a file path, got ${showInput(file)}`;
  if (file.includes("\0")) return `must be a file path, got ${showInput(file)} (it holds a NUL character)`;
  const resolved = path.resolve(file);
  const shown = shownPath(resolved);
  const virtual = onVirtualFileSystem(resolved);
  if (virtual) return `${shown} is on ${virtual}, the kernel's virtual file system; expected ${what} in an ordinary folder`;
  let stat: fs.Stats | null;
  try {
    stat = statOrNull(resolved);
  } catch (error) {
    return `${shown} cannot be used as ${what}: ${reason(error)}`;
  }
  if (stat) {
    if (stat.isDirectory()) return `${shown} is a folder; expected ${what} (a file path, e.g. ${shownPath(path.join(resolved, example))})`;
    if (!stat.isFile()) return `${shown} is ${kindOf(stat)}; expected ${what}, a regular file (it would be replaced)`;
    try {
      fs.accessSync(resolved, fs.constants.R_OK | fs.constants.W_OK);
    } catch (error) {
      return `${shown} cannot be used as ${what}: ${reason(error)}`;
    }
  }
  const folder = path.dirname(resolved);
  let folderStat: fs.Stats | null;
  try {
    folderStat = statOrNull(folder);
  } catch (error) {
    return `the folder of ${shown} cannot be used: ${reason(error)}`;
  }
  if (!folderStat) {
    if (mayCreateFolder !== undefined && path.resolve(mayCreateFolder) === folder) return null;
    return `folder ${shownPath(folder)} does not exist; create it first (${what} goes in an existing folder)`;
  }
  if (!folderStat.isDirectory()) return `${shownPath(folder)} is ${kindOf(folderStat)}, not a folder, so ${shown} cannot be created`;
  try {
    // Writes go to a temporary file renamed over the target: the folder must be writable, not just the file.
    fs.accessSync(folder, fs.constants.W_OK | fs.constants.X_OK);
  } catch (error) {
    return `folder ${shownPath(folder)} is not writable (${reason(error)}), so ${shown} cannot be written`;
  }
  return null;
}

/** A file that cannot be read as expected: "cannot read <what> <path>: <why>"; `missing` tells a file that does not exist. */
export class FileReadError extends Error {
  constructor(
    what: string,
    file: string,
    readonly why: string,
    readonly missing = false,
  ) {
    super(`cannot read ${what} ${shownPath(file)}: ${why}`);
    this.name = "FileReadError";
  }
}

function formatSize(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${bytes} bytes`;
}

/**
 * Reads a small regular file as text: refuses (FileReadError, naming `what` and the path) a path
 * that is not a non-empty string, a folder, a FIFO or device (which could block or never end), a
 * file over `maxBytes` (checked before reading), and an unreadable one.
 */
export function readSmallFile(file: unknown, what: string, maxBytes: number): string {
  if (typeof file !== "string" || file === "") throw new TypeError(`${what}: the path must be a non-empty string, got ${showInput(file)}`);
  const notRegular = (stat: fs.Stats): FileReadError => new FileReadError(what, file, `it is ${kindOf(stat)}; expected a regular file`);
  let fd: number;
  try {
    const stat = fs.statSync(file);
    // Checked before opening: opening a FIFO for reading blocks until someone writes to it.
    if (!stat.isFile()) throw notRegular(stat);
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    if (error instanceof FileReadError) throw error;
    throw new FileReadError(what, file, reason(error), (error as NodeJS.ErrnoException).code === "ENOENT");
  }
  const tooBig = (size: string): FileReadError =>
    new FileReadError(what, file, `it is ${size}; expected a small file (at most ${formatSize(maxBytes)})`);
  try {
    const stat = fs.fstatSync(fd); // the file we opened, even if the path was swapped meanwhile
    if (!stat.isFile()) throw notRegular(stat);
    if (stat.size > maxBytes) throw tooBig(formatSize(stat.size));
    // The size said is a hint (a file may grow, /proc reports 0): read until the end, never past the limit.
    let buffer = Buffer.allocUnsafe(Math.min(Math.max(stat.size + 1, 4096), maxBytes + 1));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) throw tooBig(`over ${formatSize(maxBytes)}`);
        buffer = Buffer.concat([buffer, Buffer.allocUnsafe(Math.min(buffer.length, maxBytes + 1 - buffer.length))]);
      }
      const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return buffer.subarray(0, length).toString("utf8");
  } catch (error) {
    if (error instanceof FileReadError) throw error;
    throw new FileReadError(what, file, reason(error));
  } finally {
    fs.closeSync(fd);
  }
}
