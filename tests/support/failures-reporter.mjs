// A second reporter for Node's test runner (scripts/test.mjs adds it beside `spec`): it writes
// only the failures, each with its file, name and error, so the test script can print them
// again as the run's last lines. CI logs are often read from the end, and truncated there.
import * as path from "node:path";

/** The error's own text: a test's failure wraps the thrown error in `cause`. */
function describe(error) {
  const inner = error?.cause ?? error;
  if (inner instanceof Error || (inner && typeof inner === "object" && "message" in inner)) {
    if (typeof inner.stack !== "string") return String(inner.message);
    // The message and the test's own frames; Node's internal frames say nothing about the failure.
    const lines = inner.stack.split("\n").filter((line) => !/^\s+at .*\(node:/.test(line) && !/^\s+at node:/.test(line));
    return lines.slice(0, 16).join("\n");
  }
  return String(inner);
}

export default async function* failuresReporter(source) {
  // A test file that failed outside any test (it threw at top level, or exited) shows its cause
  // only on its standard error: the last lines of it are kept per file.
  const stderr = new Map();
  for await (const event of source) {
    if (event.type === "test:stderr" && event.data.file) {
      const lines = [...(stderr.get(event.data.file) ?? []), ...String(event.data.message).trimEnd().split("\n")];
      stderr.set(event.data.file, lines.slice(-20));
      continue;
    }
    if (event.type !== "test:fail") continue;
    const { name, file, details } = event.data;
    // A file that failed as a whole also reports a failing "test" named after the file; its
    // failing subtests are already listed.
    if (details?.error?.failureType === "subtestsFailed") continue;
    // Cancelled because a hook failed or the parent timed out: the parent's failure is the cause.
    if (details?.error?.failureType === "cancelledByParent") continue;
    // A failing todo test does not fail the run, so it is not listed as a failure.
    if (event.data.todo !== undefined && event.data.todo !== false) continue;
    const where = file ? path.relative(process.cwd(), file) : "(unknown file)";
    const wholeFile = file !== undefined && name === file;
    const text = [describe(details?.error), ...(wholeFile ? (stderr.get(file) ?? []) : [])]
      .join("\n")
      .split("\n")
      .map((line) => `    ${line}`)
      .join("\n");
    yield `✖ ${where}: ${name}\n${text}\n`;
  }
}
