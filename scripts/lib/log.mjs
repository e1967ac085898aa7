// How setup scripts talk to the teacher: one line per step, a clear message and exit on failure.
export function step(message) {
  console.log(`proclab: ${message}`);
}

/** Prints what went wrong and how to fix it, then exits non-zero. */
export function fail(problem, fix) {
  console.error(`\nproclab: ${problem}`);
  if (fix) console.error(`  How to fix: ${fix}`);
  process.exit(1);
}
