/**
 * Reads a command's flags and OWTS_* variables by the table in flags.ts, and renders its help from
 * the same table. Strict: an unknown flag, a stray argument or a bad value is a UsageError whose
 * message is one line naming where the bad text came from; nothing is created or bound before.
 */
import { parseArgs } from "node:util";
import type { FlagType } from "./flag-types.js";
import { COMMANDS, type Command, FLAGS, type FlagName, type FlagRow } from "./flags.js";

/** A bad flag or environment value: the CLI prints `message` as one line and exits 2, before binding anything. */
export class UsageError extends Error {
  override name = "UsageError";
}

type Table = typeof FLAGS;
type ValueOf<R> = R extends { type: FlagType<infer T> } ? T : never;
type HasDefault<R, C extends Command> = R extends { default?: infer D }
  ? undefined extends D
    ? R extends { commands: { readonly [K in C]: { readonly default: unknown } } }
      ? true
      : false
    : true
  : false;
type In<C extends Command> = { [K in FlagName]: C extends keyof Table[K]["commands"] ? K : never }[FlagName];

/** The parsed values of command C: a flag with a default is always set, one without may be undefined. */
export type FlagValues<C extends Command> = {
  [K in In<C>]: HasDefault<Table[K], C> extends true ? ValueOf<Table[K]> : ValueOf<Table[K]> | undefined;
};

// biome-ignore lint/suspicious/noExplicitAny: rows of every value type, read through their own FlagType
type AnyRow = FlagRow<any, any, any>;

interface Resolved {
  name: string;
  row: AnyRow;
  type: FlagType<unknown>;
  default: unknown;
  help: string;
}

function rowsOf(command: Command): Resolved[] {
  const out: Resolved[] = [];
  for (const [name, row] of Object.entries(FLAGS) as [string, AnyRow][]) {
    const use = row.commands[command];
    if (!use) continue;
    out.push({
      name,
      row,
      type: use.type ?? row.type,
      default: "default" in use ? use.default : row.default,
      help: use.help ?? row.help,
    });
  }
  return out;
}

/** The variable that sets a flag: OWTS_ + the name in upper snake case, unless the row names its own. */
export function envName(name: string, row: { env?: string | false }): string | undefined {
  if (row.env === false) return undefined;
  return row.env ?? `OWTS_${name.toUpperCase().replaceAll("-", "_")}`;
}

/** The spelling of a flag on the command line, for messages that name it. */
export function flagName(name: FlagName): string {
  return `--${name}`;
}

/** Reads argv (strict) and, for a command that reads them, OWTS_* variables; the flag wins over the variable. */
export function readFlags<C extends Command>(
  command: C,
  argv: string[],
  env: NodeJS.ProcessEnv,
): { help: true } | { help: false; values: FlagValues<C>; given: ReadonlySet<FlagName> } {
  const rows = rowsOf(command);
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const r of rows)
    options[r.name] = {
      type: r.type.switch ? "boolean" : "string",
      ...(r.type.multiple ? { multiple: true } : {}),
      ...(r.row.short ? { short: r.row.short } : {}),
    };
  let given: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values: given } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split("\n")[0]} (see owts ${command} --help)`);
  }
  if (given.help) return { help: true };

  const values: Record<string, unknown> = {};
  // Flags set by the user, for checks such as "--radio-bind needs --radio udp".
  const set = new Set<FlagName>();
  for (const r of rows) {
    const fromArgv = given[r.name];
    const variable = COMMANDS[command].env ? envName(r.name, r.row) : undefined;
    const fromEnv = variable === undefined ? undefined : env[variable];
    let value: unknown;
    let source: string;
    if (fromArgv !== undefined) {
      source = `--${r.name}`;
      if (r.type.switch) value = true;
      else value = parseOrThrow(r.type, source, fromArgv as string | string[]);
    } else if (fromEnv !== undefined) {
      source = variable as string;
      value = parseOrThrow(r.type, source, fromEnv);
    } else {
      values[r.name] = r.default;
      continue;
    }
    const why = r.row.check?.(value);
    if (why !== undefined) throw new UsageError(`${source}: ${why}`);
    values[r.name] = value;
    set.add(r.name as FlagName);
  }
  return { help: false, values: values as FlagValues<C>, given: set };
}

function parseOrThrow(type: FlagType<unknown>, source: string, raw: string | string[]): unknown {
  // Each occurrence of a repeatable flag is parsed on its own; a list type concatenates them.
  const parts = Array.isArray(raw) ? raw : [raw];
  const out: unknown[] = [];
  for (const part of parts) {
    const p = type.parse(part);
    if (!p.ok) throw new UsageError(`${source}: ${p.reason}`);
    if (Array.isArray(raw)) out.push(...(p.value as unknown[]));
    else return p.value;
  }
  return out;
}

/** The command's `--help`, from the table: flag, description with range and default, variable. */
export function renderHelp(command: Command): string {
  const spec = COMMANDS[command];
  const lines = [spec.usage, "", spec.env ? "Options (each also as an environment variable):" : "Options:"];
  // The variables line up in one column after the longest description.
  const rows = rowsOf(command).map((r) => {
    const left = `  --${r.name}${r.type.arg ? ` ${r.type.arg}` : ""}`;
    let text = r.help;
    if (r.type.range) text += `, ${r.type.range}`;
    const shown = r.default === undefined ? undefined : r.type.show(r.default);
    if (shown !== undefined && shown !== "" && !r.type.switch) text += ` (default ${shown})`;
    const variable = spec.env ? envName(r.name, r.row) : undefined;
    return {
      line: left.length < 28 ? `${left.padEnd(28)}${text}` : `${left}  ${text}`,
      variable:
        variable === undefined ? "" : `${variable}${r.type.switch ? "=1" : r.type.multiple ? "=a,b" : ""}`,
    };
  });
  const width = Math.max(...rows.map((r) => r.line.length)) + 2;
  for (const r of rows) lines.push(r.variable ? `${r.line.padEnd(width)}${r.variable}` : r.line);
  lines.push(`${"  -h, --help".padEnd(28)}this text`);
  if (spec.footer) lines.push("", spec.footer);
  return lines.join("\n");
}
