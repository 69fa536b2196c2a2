import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { FieldProblem } from "../core/problems.js";

/** Topic prefix when none is given: `owts/<esp_id>/…`. */
export const DEFAULT_MQTT_PREFIX = "owts";
/** Home Assistant's discovery prefix (its default; HA users rarely change it). */
export const HA_DISCOVERY_PREFIX = "homeassistant";

/** A broker connection, checked: what the connection needs and nothing it must not log. */
export interface MqttConfig {
  protocol: "mqtt" | "mqtts";
  host: string;
  port: number;
  /** @default null (anonymous) */
  user: string | null;
  /** The secret itself; never logged, never answered. @default null */
  password: string | null;
  /** PEM of the CA (or the broker's own certificate) trusted for `mqtts`. @default null (the system's CAs) */
  caPem: string | null;
  /** First topic level(s). @default "owts" */
  prefix: string;
  /** Publish Home Assistant discovery configs. @default true */
  discovery: boolean;
}

/** What a user gives: the CLI's flags (files) or the API's body (text). */
export interface MqttConfigInput {
  url: string;
  user?: string | null | undefined;
  /** The password as text (API) … */
  password?: string | null | undefined;
  /** … or a file holding it (CLI); a trailing newline is not part of it. */
  passwordFile?: string | null | undefined;
  /** PEM text (API) … */
  caPem?: string | null | undefined;
  /** … or a file holding it (CLI). */
  caFile?: string | null | undefined;
  /** @default "owts" */
  prefix?: string | undefined;
  /** @default true */
  discovery?: boolean | undefined;
}

export type ConfigResult = { ok: true; config: MqttConfig } | { ok: false; problems: FieldProblem[] };

/** The broker as it may be shown and logged: scheme, host and port, never credentials. */
export function brokerLabel(c: Pick<MqttConfig, "protocol" | "host" | "port">): string {
  const host = c.host.includes(":") ? `[${c.host}]` : c.host;
  return `${c.protocol}://${host}:${c.port}`;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** `mqtt://host[:port]` or `mqtts://host[:port]`; credentials in the URL are refused (they would be logged). */
export function parseBrokerUrl(url: string): Parsed<Pick<MqttConfig, "protocol" | "host" | "port">> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, message: `is not a URL (got ${JSON.stringify(url)}); use mqtt://host:1883` };
  }
  const protocol = u.protocol.replace(/:$/, "");
  if (protocol !== "mqtt" && protocol !== "mqtts")
    return { ok: false, message: `must start with mqtt:// or mqtts:// (got ${protocol}://)` };
  if (!u.hostname) return { ok: false, message: "names no host; use mqtt://host:1883" };
  if (u.username || u.password)
    return {
      ok: false,
      message: "must not carry a user or password; give them with --mqtt-user / --mqtt-password-file",
    };
  if ((u.pathname && u.pathname !== "/") || u.search || u.hash)
    return { ok: false, message: "must be only scheme, host and port (no path or query)" };
  const port = u.port ? Number(u.port) : protocol === "mqtts" ? 8883 : 1883;
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  return { ok: true, value: { protocol, host, port } };
}

/** One or more topic levels without wildcards, `$` or empty levels, e.g. `owts` or `club/winches`. */
export function checkPrefix(prefix: string): string | null {
  if (prefix.length === 0 || prefix.length > 64) return "must be 1 to 64 characters";
  if (/[+#]/.test(prefix) || prefix.includes("\u0000"))
    return "must not contain the wildcards + or # (or NUL)";
  if (prefix.startsWith("$")) return "must not start with $ (reserved for the broker)";
  if (prefix.split("/").some((level) => level.length === 0))
    return "must not start or end with / or contain //";
  return null;
}

/** The certificates in `pem`, or why there are none. */
export function checkCaPem(pem: string): string | null {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!blocks) return "holds no PEM certificate (-----BEGIN CERTIFICATE-----)";
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch {
      return "holds a PEM block that is not a readable certificate";
    }
  }
  return null;
}

async function readText(file: string): Promise<Parsed<string>> {
  try {
    return { ok: true, value: await readFile(file, "utf8") };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    return { ok: false, message: `cannot be read: ${file} (${code})` };
  }
}

/**
 * Checks everything at once and reads the files. Every problem names its field (`/url`, `/password_file`,
 * `/ca_file`, `/prefix`, …) so the CLI prints one line and the API answers 400 with `details`.
 */
export async function resolveMqttConfig(input: MqttConfigInput): Promise<ConfigResult> {
  const problems: FieldProblem[] = [];
  const url = parseBrokerUrl(input.url);
  if (!url.ok) problems.push({ field: "/url", message: url.message });

  let password = input.password ?? null;
  if (input.passwordFile) {
    const r = await readText(input.passwordFile);
    if (!r.ok) problems.push({ field: "/password_file", message: r.message });
    else password = r.value.replace(/\r?\n$/, "");
  }
  if (password !== null && password.length === 0)
    problems.push({ field: input.passwordFile ? "/password_file" : "/password", message: "is empty" });

  const user = input.user ?? null;
  if (user !== null && (user.length === 0 || user.length > 256))
    problems.push({ field: "/user", message: "must be 1 to 256 characters" });
  if (password !== null && user === null)
    problems.push({ field: "/user", message: "is needed with a password" });

  let caPem = input.caPem ?? null;
  const caField = input.caFile ? "/ca_file" : "/ca_pem";
  if (input.caFile) {
    const r = await readText(input.caFile);
    if (!r.ok) problems.push({ field: "/ca_file", message: r.message });
    else caPem = r.value;
  }
  if (caPem !== null) {
    const bad = checkCaPem(caPem);
    if (bad) problems.push({ field: caField, message: bad });
    else if (url.ok && url.value.protocol !== "mqtts")
      problems.push({ field: caField, message: "applies only to mqtts:// brokers" });
  }

  const prefix = input.prefix ?? DEFAULT_MQTT_PREFIX;
  const badPrefix = checkPrefix(prefix);
  if (badPrefix) problems.push({ field: "/prefix", message: badPrefix });

  if (problems.length > 0 || !url.ok) return { ok: false, problems };
  return {
    ok: true,
    config: { ...url.value, user, password, caPem, prefix, discovery: input.discovery ?? true },
  };
}
