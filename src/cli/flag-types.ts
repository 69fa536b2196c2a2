/**
 * The value types of CLI flags: each turns the text of a flag or an OWTS_* variable into a value, or
 * into a reason it is not one. The reason names no flag: the reader prefixes where the text came
 * from (`--https-port` or `OWTS_HTTPS_PORT`), so one type serves every flag and both sources.
 * Imports only node built-ins; the table (flags.ts) brings the domain checks.
 */
import { isIP } from "node:net";

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface FlagType<T> {
  /** A switch takes no value (`--no-mdns`); in the environment it is 1/0, true/false, yes/no, on/off. */
  readonly switch?: boolean;
  /** Repeatable on the command line; comma-separated in the environment. */
  readonly multiple?: boolean;
  /** Placeholder after the flag in the help: "N", "ADDR", "aircraft|winch". */
  readonly arg: string;
  /** Range shown in the help after the description, e.g. "1-64". */
  readonly range?: string;
  parse(raw: string): Parsed<T>;
  /** How a default is shown in the help. */
  show(value: T): string;
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const no = <T>(reason: string): Parsed<T> => ({ ok: false, reason });

/** Free text, optionally checked: `check` returns a reason, or undefined when the text is fine. */
export function text(arg: string, check?: (raw: string) => string | undefined): FlagType<string> {
  return {
    arg,
    parse: (raw) => {
      const why = check?.(raw);
      return why === undefined ? ok(raw) : no(why);
    },
    show: (v) => v,
  };
}

/** Text turned into any value by `convert`, which returns the value or a reason. */
export function custom<T>(
  arg: string,
  convert: (raw: string) => Parsed<T>,
  show: (v: T) => string,
): FlagType<T> {
  return { arg, parse: convert, show };
}

/** A whole number in [min, max]. */
export function int(min: number, max: number, arg = "N"): FlagType<number> {
  return {
    arg,
    range: `${min}-${max}`,
    parse: (raw) =>
      /^\d+$/.test(raw.trim()) && Number(raw) >= min && Number(raw) <= max
        ? ok(Number(raw))
        : no(`"${raw}" must be a whole number from ${min} to ${max}`),
    show: String,
  };
}

/** Any finite number in [min, max]. */
export function float(min: number, max: number, arg = "X"): FlagType<number> {
  return {
    arg,
    range: `${min}-${max}`,
    parse: (raw) => {
      const n = Number(raw);
      return raw.trim() !== "" && Number.isFinite(n) && n >= min && n <= max
        ? ok(n)
        : no(`"${raw}" must be a number from ${min} to ${max}`);
    },
    show: String,
  };
}

export function parsePortText(raw: string): Parsed<number> {
  if (!/^\d{1,5}$/.test(raw.trim())) return no(`"${raw}" is not a port number (0-65535)`);
  const port = Number(raw);
  return port > 65535 ? no(`${port} is out of range (0-65535)`) : ok(port);
}

/** A TCP/UDP port, 0-65535 (0 = any free port). */
export const port: FlagType<number> = { arg: "N", parse: parsePortText, show: String };

/** A switch: present on the command line, or a boolean word in the environment. */
export const bool: FlagType<boolean> = {
  switch: true,
  arg: "",
  parse: (raw) => {
    if (/^(1|true|yes|on)$/i.test(raw)) return ok(true);
    if (/^(0|false|no|off|)$/i.test(raw)) return ok(false);
    return no(`"${raw}" is not a boolean (use 1 or 0)`);
  },
  show: (v) => (v ? "1" : "0"),
};

function orList(values: readonly string[]): string {
  return values.length < 2 ? values.join("") : `${values.slice(0, -1).join(", ")} or ${values.at(-1)}`;
}

/**
 * One of a fixed set. `noun` words the refusal: `"glider" is not a mode (aircraft or winch)`;
 * without it, `"dsa" is not ecdsa or rsa`.
 */
export function oneOf<const V extends string>(values: readonly V[], noun?: string): FlagType<V> {
  return {
    arg: values.join("|"),
    parse: (raw) =>
      (values as readonly string[]).includes(raw)
        ? ok(raw as V)
        : no(noun ? `"${raw}" is not ${noun} (${orList(values)})` : `"${raw}" is not ${orList(values)}`),
    show: (v) => v,
  };
}

/** An IPv4 or IPv6 address. */
export const ip: FlagType<string> = text("ADDR", (raw) =>
  isIP(raw) ? undefined : `"${raw}" is not an IP address`,
);

export interface Endpoint {
  address: string;
  port: number;
}

/** ADDRESS:PORT, IPv6 in brackets. */
export const endpoint: FlagType<Endpoint> = custom(
  "ADDR:PORT",
  (raw) => {
    const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(raw.trim());
    if (!m || !isIP(m[1] as string)) return no(`"${raw}" is not ADDRESS:PORT (e.g. 127.0.0.1:47800)`);
    const p = parsePortText(m[2] as string);
    return p.ok ? ok({ address: m[1] as string, port: p.value }) : p;
  },
  (e) => (e.address.includes(":") ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`),
);

/** The same type, shown differently in the help (a shorter placeholder or range). */
export function shown<T>(type: FlagType<T>, how: { arg?: string; range?: string }): FlagType<T> {
  return { ...type, ...how };
}

/** Repeatable: every occurrence of the flag, or the comma-separated items of the variable. */
export function list<T>(item: FlagType<T>): FlagType<T[]> {
  return {
    multiple: true,
    arg: item.arg,
    ...(item.range ? { range: item.range } : {}),
    parse: (raw) => {
      const out: T[] = [];
      for (const part of raw.split(",").filter(Boolean)) {
        const p = item.parse(part);
        if (!p.ok) return p;
        out.push(p.value);
      }
      return ok(out);
    },
    show: (v) => v.map((x) => item.show(x)).join(","),
  };
}
