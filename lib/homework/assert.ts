import { phrase } from "../core/phrases";

/** Assertions for test cells: each throws an Error whose message is the feedback a student reads. */

/** Fails with `message` (in the learner's language: core/phrases.ts) unless `condition` holds. */
export function expect(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(phrase(message));
}

// Test helpers: answer cells run in the same kernel and must not be able to swap them.
Object.freeze(module.exports);
