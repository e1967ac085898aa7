/**
 * Flags of proclab's commands: node:util's parseArgs splits the command line (`--name value`,
 * `--name=value`, boolean `--name`, positionals anywhere, `--` ends the flags); this adds typed
 * values and errors that name the flag and what was expected.
 */
import { parseArgs } from "node:util";
import { tr } from "../core/lang";
import { quoteInput } from "../core/text";

export type FlagType = "integer" | "number" | "string" | "boolean";

export interface FlagSpec {
  type: FlagType;
  /** Shown in --help. */
  help: string;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

type ValueOf<T extends FlagType> = T extends "boolean" ? boolean : T extends "string" ? string : number;

/** The flags given, each with the type its spec declares (absent flags are undefined). */
export type FlagValues<S extends FlagSpecs> = { -readonly [K in keyof S]?: ValueOf<S[K]["type"]> };

export interface CommandLine<S extends FlagSpecs> {
  values: FlagValues<S>;
  /** Arguments that are not flags, in order. */
  positionals: string[];
}

/** A command-line mistake: printed with usage, exit status 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Parses `argv` against `specs`; throws UsageError naming the first bad flag. */
export function parseCommandLine<S extends FlagSpecs>(argv: readonly string[], specs: S): CommandLine<S> {
  const options = Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [name, { type: spec.type === "boolean" ? "boolean" : "string" } as const]),
  );
  // strict: false, so that every mistake reaches the checks below and gets our message.
  const { tokens } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: false, tokens: true });
  const values: Record<string, number | string | boolean> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === "positional") positionals.push(token.value);
    if (token.kind !== "option") continue;
    const spec = Object.prototype.hasOwnProperty.call(specs, token.name) ? specs[token.name] : undefined;
    if (!spec || token.rawName !== `--${token.name}`) {
      const shown = Array.from(token.rawName).length > 60 ? quoteInput(token.rawName) : token.rawName;
      const known = Object.keys(specs)
        .map((n) => `--${n}`)
        .join(", ");
      throw new UsageError(tr(`unknown flag ${shown}; expected one of ${known}`, `未知选项 ${shown}；可用的选项有 ${known}`));
    }
    if (token.name in values) throw new UsageError(tr(`--${token.name} given twice`, `--${token.name} 被指定了两次`));
    if (spec.type === "boolean") {
      if (token.value !== undefined)
        throw new UsageError(
          tr(
            `--${token.name} takes no value, got ${quoteInput(token.value)}`,
            `--${token.name} 不接受值，实际给了 ${quoteInput(token.value)}`,
          ),
        );
      values[token.name] = true;
      continue;
    }
    // `--out --json`: a flag where a value should be is a forgotten value, not a value.
    if (token.value === undefined || (!token.inlineValue && token.value.startsWith("--")))
      throw new UsageError(tr(`--${token.name} needs a value (${spec.type})`, `--${token.name} 缺少值（应为${typeInChinese[spec.type]}）`));
    values[token.name] = convert(token.name, spec.type, token.value);
  }
  return { values: values as FlagValues<S>, positionals };
}

/** A flag's type as a Chinese message names it. */
const typeInChinese: Readonly<Record<FlagType, string>> = { integer: "整数", number: "数字", string: "字符串", boolean: "布尔值" };

function convert(name: string, type: FlagType, raw: string): number | string {
  if (type === "string") return raw;
  const value = raw.trim() === "" ? NaN : Number(raw);
  if (!Number.isFinite(value) || (type === "integer" && !Number.isInteger(value))) {
    throw new UsageError(
      tr(
        `--${name} must be ${type === "integer" ? "an integer" : "a number"}, got ${quoteInput(raw)}`,
        `--${name} 应为${typeInChinese[type]}，实际为 ${quoteInput(raw)}`,
      ),
    );
  }
  if (type === "integer" && !Number.isSafeInteger(value)) {
    // 1e20 is an integer to JavaScript, but not exactly: refuse it here, not deep inside a run.
    throw new UsageError(
      tr(
        `--${name} must be an integer between ${-Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}, got ${quoteInput(raw)}`,
        `--${name} 应为 ${-Number.MAX_SAFE_INTEGER} 到 ${Number.MAX_SAFE_INTEGER} 之间的整数，实际为 ${quoteInput(raw)}`,
      ),
    );
  }
  return value;
}

export function flagHelp(specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([name, spec]) => [`--${name}${spec.type === "boolean" ? "" : ` <${spec.type}>`}`, spec.help]);
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`).join("\n");
}
