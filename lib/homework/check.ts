/**
 * Test cells of homework notebooks: `await check(name, points, fn)` runs one test.
 *
 * For a student it prints ✓ or throws ✗ with the reason. The grader runs the teacher's test
 * cells in its own judge process (grading/judge.ts), where no student statement ever ran, with
 * `judgedCheck`: the same test run, recorded instead of thrown, so the cell's next test runs too.
 */
import { phrase } from "../core/phrases";

/** What one test reports to the grader. */
export interface CheckResult {
  /** Test cell the test ran in. */
  cell: string;
  name: string;
  points: number;
  passed: boolean;
  /** Why it failed (empty when passed). */
  message: string;
}

export interface CheckOptions {
  /** The test fails with "timed out" when `fn` has not settled after this; default 30000. */
  timeLimitMs?: number;
}

export type CheckFn = () => unknown | Promise<unknown>;

// Captured at load (the notebook's first cell, before any answer cell runs): in a student's
// own kernel an answer cell could replace Promise.race, JSON.stringify or timers.
const stringify = JSON.stringify;
const NativePromise = Promise;
const promiseThen = Promise.prototype.then;
const setTimer = setTimeout;
const clearTimer = clearTimeout;

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

/** The ✓/✗ line of one test; the name in the learner's language (core/phrases.ts). */
function resultLine(name: string, points: number, message: string): string {
  return message === "" ? `✓ ${phrase(name)} (${points}/${points})` : `✗ ${phrase(name)} (0/${points}): ${message}`;
}

function report(name: string, points: number, message: string): void {
  if (message !== "") throw new Error(resultLine(name, points, message));
  console.log(resultLine(name, points, message));
}

/** Runs one test worth `points`; prints ✓ when `fn` completes, throws ✗ with its error message otherwise. */
export async function check(name: string, points: number, fn: CheckFn, options: CheckOptions = {}): Promise<void> {
  report(name, points, await runTest(name, points, fn, options));
}

/**
 * Used by the grader's judge only: `check` that hands each result to `record` (with the test cell
 * `cellOf()` names) and prints ✓/✗, but never throws, so a failed test does not stop the next.
 */
export function judgedCheck(record: (result: CheckResult) => void, cellOf: () => string): typeof check {
  return async (name, points, fn, options = {}) => {
    const message = await runTest(name, points, fn, options);
    record({ cell: cellOf(), name, points, passed: message === "", message });
    console.log(resultLine(name, points, message));
  };
}

// Answer cells run in the same kernel: they must not be able to swap these functions.
Object.freeze(module.exports);
