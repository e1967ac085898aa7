// Which engines the tests may use. In CI every engine must be installed (.ci/run installs them):
// a missing one fails there; elsewhere the tests that need it are skipped, saying what to install.
import { enginesPresent } from "proclab/servers";

const present = enginesPresent();

/** `{ skip }` for node:test: false when every engine is present; otherwise why (and a failure in CI). */
export function needs(...engines) {
  const missing = engines.filter((engine) => !present[engine].present);
  if (missing.length === 0) return { skip: false };
  const why = `not installed: ${missing.map((e) => `${e} (${present[e].install})`).join("; ")}`;
  if (process.env.CI) throw new Error(`CI must install every database engine: ${why}`);
  return { skip: why };
}
