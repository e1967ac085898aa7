/**
 * Per-student variants: the seed (from the grader's --seed / --student, or the
 * environment a teacher gives a student) changes ticket counts, buyer counts and
 * think times, so answers cannot be copied and the grader reproduces each one.
 */
import { mulberry32, uniform } from "../core/random";

export interface HomeworkVariant {
  seed: number;
  /** Tickets for sale. */
  tickets: number;
  /** Buyer processes, always more than tickets (someone must be turned away). */
  buyers: number;
  /** Bounds of a buyer's think time between reading and writing db.json (ms). */
  thinkMs: [number, number];
  /** Bounds of a buyer's non-critical work before it buys (ms). */
  workMs: [number, number];
  /** How long the daemon exercise's worker works (ms). */
  workerMs: number;
}

/** A string (a student id) as a 31-bit seed (FNV-1a). */
function seedOf(student: string): number {
  let hash = 0x811c9dc5;
  for (const char of student) hash = Math.imul(hash ^ char.codePointAt(0)!, 0x01000193) >>> 0;
  return hash & 0x7fffffff;
}

/** The seed the environment names: PROCLAB_SEED (an integer), else PROCLAB_STUDENT (an id), else 1. */
export function environmentSeed(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.PROCLAB_SEED;
  if (raw !== undefined && raw !== "") {
    const seed = Number(raw);
    if (!Number.isSafeInteger(seed)) throw new TypeError(`PROCLAB_SEED must be an integer, got ${JSON.stringify(raw)}`);
    return seed;
  }
  return env.PROCLAB_STUDENT ? seedOf(env.PROCLAB_STUDENT) : 1;
}

/** This student's variant: from `seed`, or from the environment (see environmentSeed). */
export function homeworkVariant(seed: number = environmentSeed()): HomeworkVariant {
  const random = mulberry32(seed);
  const tickets = 2 + Math.floor(random() * 3);
  const buyers = tickets + 2 + Math.floor(random() * 2);
  // Think times well above the spread of work times: every buyer reads before the first
  // write lands, so a lock that does not cover read → think → write oversells every rush.
  const think = Math.round(uniform(random, 60, 120));
  const work = Math.round(uniform(random, 250, 350));
  // The worker runs long enough for the heartbeat daemon to start and tick even on a loaded machine.
  return { seed, tickets, buyers, thinkMs: [think, think * 2], workMs: [work, work + 20], workerMs: Math.round(uniform(random, 600, 900)) };
}

// Test helpers: answer cells run in the same kernel and must not be able to swap them.
Object.freeze(module.exports);
