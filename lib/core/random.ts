/**
 * A small seeded random generator (mulberry32), so a rush can be repeated
 * exactly: the same seed gives the same think times in every run.
 */

/** A random source: each call returns a number in [0, 1). */
export type Random = () => number;

/** mulberry32: a 32-bit state, fast, good enough for simulated delays (not for cryptography). */
export function mulberry32(seed: number): Random {
  if (!Number.isInteger(seed)) throw new TypeError(`mulberry32: seed must be an integer, got ${String(seed)}`);
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform number in [low, high). */
export function uniform(random: Random, low: number, high: number): number {
  return low + (high - low) * random();
}

/** A seed for the `index`-th sub-run of a run seeded with `seed` (e.g. one trial), independent of the others. */
export function deriveSeed(seed: number, index: number): number {
  return (mulberry32((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0)() * 4294967296) >>> 0;
}
