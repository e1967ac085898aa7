/**
 * Test cells of homework notebooks: `await check(name, points, fn)` runs one test.
 *
 * For a student it prints ✓ or throws ✗ with the reason. Under the grader the test
 * cell's `check(` calls are rewritten to `gradedCheck(key, cell)(` with a fresh secret
 * key per test cell, written into that cell's source only when it runs (answer cells,
 * which run earlier, never see it). The result is then also displayed as a record
 * signed with that key (HMAC), which the grader verifies: printed text, or a record
 * made by any code that does not hold the key, never scores. See docs in grade.ts.
 */
import { createHmac } from "node:crypto";
import { displayBundle } from "../core/notebook";

/** The MIME type of a signed test record in a test cell's outputs. */
const checkRecordMime = "application/vnd.proclab.check+json";

/** What one test reports to the grader. */
export interface CheckResult {
  /** Test cell id the key was issued for. */
  cell: string;
  name: string;
  points: number;
  passed: boolean;
  /** Why it failed (empty when passed). */
  message: string;
}

/** The displayed record: the result as JSON text, and HMAC-SHA256(key, payload) in hex. */
export interface CheckRecord {
  payload: string;
  proof: string;
}

export interface CheckOptions {
  /** The test fails with "timed out" when `fn` has not settled after this; default 30000. */
  timeLimitMs?: number;
}

export type CheckFn = () => unknown | Promise<unknown>;

// Captured at load (the notebook's first cell, before any answer cell runs): an answer
// cell runs in the same kernel and could replace Promise.race, JSON.stringify or timers.
const hmac = createHmac;
const stringify = JSON.stringify;
const NativePromise = Promise;
const promiseThen = Promise.prototype.then;
const setTimer = setTimeout;
const clearTimer = clearTimeout;

function signed(key: string, result: CheckResult): CheckRecord {
  const payload = stringify(result);
  return { payload, proof: hmac("sha256", key).update(payload).digest("hex") };
}

function failureText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.trim() === "" ? "failed (the test threw an empty error)" : text;
}

/** Runs `fn`; resolves to "" when it completed, else to why not. Uses only the captured built-ins. */
function settle(fn: CheckFn, limit: number): Promise<string> {
  return new NativePromise<string>((resolve) => {
    const timer = setTimer(() => resolve(`timed out after ${limit} ms`), limit);
    const run = (async () => fn())();
    promiseThen.call(
      run,
      () => {
        clearTimer(timer);
        resolve("");
      },
      (error: unknown) => {
        clearTimer(timer);
        resolve(failureText(error));
      },
    );
  });
}

function runTest(name: string, points: number, fn: CheckFn, options: CheckOptions): Promise<string> {
  if (typeof name !== "string" || name === "") throw new TypeError(`check: name must be a non-empty string, got ${stringify(name)}`);
  if (!Number.isInteger(points) || points < 0)
    throw new TypeError(`check("${name}"): points must be a non-negative integer, got ${String(points)}`);
  if (typeof fn !== "function") throw new TypeError(`check("${name}"): expected a test function as third argument, got ${typeof fn}`);
  return settle(fn, options.timeLimitMs ?? 30000);
}

function report(name: string, points: number, message: string): void {
  if (message !== "") throw new Error(`✗ ${name} (0/${points}): ${message}`);
  console.log(`✓ ${name} (${points}/${points})`);
}

/** Runs one test worth `points`; prints ✓ when `fn` completes, throws ✗ with its error message otherwise. */
export async function check(name: string, points: number, fn: CheckFn, options: CheckOptions = {}): Promise<void> {
  report(name, points, await runTest(name, points, fn, options));
}

/** Used by the grader only: `check` that also displays a record signed with `key` for test cell `cell`. */
export function gradedCheck(key: string, cell: string): typeof check {
  return async (name, points, fn, options = {}) => {
    const message = await runTest(name, points, fn, options);
    const result: CheckResult = { cell, name, points, passed: message === "", message };
    displayBundle({ [checkRecordMime]: signed(key, result), "text/plain": `${result.passed ? "passed" : "failed"}: ${name}` });
    report(name, points, message);
  };
}

// Answer cells run in the same kernel: they must not be able to swap these functions.
Object.freeze(module.exports);
