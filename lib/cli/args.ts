/**
 * A small flag parser for proclab's subcommands: `--name value`, `--name=value`
 * and boolean `--name`. Every error names the flag and what was expected.
 */

export type FlagType = "integer" | "number" | "string" | "boolean";

export interface FlagSpec {
  type: FlagType;
  /** Shown in --help. */
  help: string;
}

export type FlagValues = Record<string, number | string | boolean>;

/** A command-line mistake: printed with usage, exit status 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

export function parseFlags(argv: readonly string[], specs: Readonly<Record<string, FlagSpec>>): FlagValues {
  const values: FlagValues = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const match = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (!match) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}; flags look like --name value`);
    const [, name, inline] = match;
    const spec = specs[name];
    if (!spec) throw new UsageError(`unknown flag --${name}; expected one of ${Object.keys(specs).map((n) => `--${n}`).join(", ")}`);
    if (name in values) throw new UsageError(`--${name} given twice`);
    if (spec.type === "boolean") {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value, got ${JSON.stringify(inline)}`);
      values[name] = true;
      continue;
    }
    const raw = inline ?? argv[++i];
    if (raw === undefined || (inline === undefined && raw.startsWith("--"))) throw new UsageError(`--${name} needs a value (${spec.type})`);
    values[name] = convert(name, spec.type, raw);
  }
  return values;
}

function convert(name: string, type: FlagType, raw: string): number | string {
  if (type === "string") return raw;
  const value = raw.trim() === "" ? NaN : Number(raw);
  if (!Number.isFinite(value) || (type === "integer" && !Number.isInteger(value))) {
    throw new UsageError(`--${name} must be ${type === "integer" ? "an integer" : "a number"}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

export function flagHelp(specs: Readonly<Record<string, FlagSpec>>): string {
  const rows = Object.entries(specs).map(([name, spec]) => [`--${name}${spec.type === "boolean" ? "" : ` <${spec.type}>`}`, spec.help]);
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`).join("\n");
}
