import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import {
  CA_ISSUED_DAYS,
  CertificateError,
  type CertificateInfo,
  certPaths,
  DEFAULT_DAYS,
  formatSan,
  isKeyType,
  issueCertificate,
  type KeyType,
  loadClubCa,
  MAX_DAYS,
  normalizeHostname,
  parseSan,
  readCertificateInfo,
  type San,
} from "../certs/index.js";
import { detectEspId, deviceHostname, isMode, otherModeHostnames, parseEspId } from "../device/identity.js";

export interface CertsIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Whether a person can answer questions; false (or --yes) means flags and defaults only. */
  isTTY: boolean;
  /**
   * For OWTS_DATA_DIR.
   * @default process.env
   */
  env?: NodeJS.ProcessEnv;
}

const FLAGS = {
  "data-dir": { type: "string" },
  days: { type: "string" },
  "regen-key": { type: "boolean" },
  "key-type": { type: "string" },
  san: { type: "string", multiple: true },
  hostname: { type: "string" },
  mode: { type: "string" },
  id: { type: "string" },
  ca: { type: "string" },
  yes: { type: "boolean", short: "y" },
  help: { type: "boolean", short: "h" },
} as const;

export const CERTS_HELP = `Usage: owts certs [options]

(Re)issues the device certificate in the data directory, like the firmware's gen_certs.sh: asks
for the validity (Enter = ${DEFAULT_DAYS} days) and whether to make a new private key (default no),
and always issues a new certificate. With --yes, or when stdin is not a terminal, it asks nothing.

Options:
  --data-dir DIR          where owts.crt and owts.key live (default $OWTS_DATA_DIR, else ./.owts-data)
  --days N                validity in days, 1-${MAX_DAYS} (default ${DEFAULT_DAYS})
  --regen-key             make a new private key (default: keep the existing one)
  --key-type ecdsa|rsa    type of a new key (default: the type of the key replaced, else ecdsa)
  --san NAME              extra DNS name or IP address, repeatable (IP: / DNS: prefixes accepted)
  --hostname NAME         device hostname (default: the CN of the existing certificate)
  --mode aircraft|winch   instead of --hostname: OWTS-<mode>-<id>.local ...
  --id HEX6               ... with this id (default: last 3 bytes of the primary MAC)
  --ca DIR                sign with the club CA in DIR (owts ca init), at most ${CA_ISSUED_DAYS} days (default ${CA_ISSUED_DAYS})
  -y, --yes               ask nothing; use the flags and defaults
  -h, --help              this text

The certificate always names IP:192.168.4.1, DNS:*.local and the hostname as written and in lower
case (for an OWTS-<mode>-<id> hostname, the other mode's too, so a mode change keeps it), plus the
--san names. A running owts device using the same data directory picks up the new
certificate by itself; no restart is needed.`;

/** A bad flag or answer: one line on stderr, exit 2, nothing written. */
class CertsUsageError extends Error {}

interface CertsRequest {
  dataDir: string;
  days: number | undefined;
  regenKey: boolean | undefined;
  keyType: KeyType | undefined;
  sans: San[];
  hostname: string | undefined;
  caDir: string | undefined;
  yes: boolean;
}

function parseDays(raw: string, what: string): number {
  const text = raw.trim();
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_DAYS)
    throw new CertsUsageError(`${what}: "${raw}" must be a whole number of days from 1 to ${MAX_DAYS}`);
  return Number(text);
}

/**
 * parseArgs treats `--days -1` as a missing value; joining a negative number to its flag lets the
 * range check give the clear message instead.
 */
function joinNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const flag = arg.startsWith("--") ? FLAGS[arg.slice(2) as keyof typeof FLAGS] : undefined;
    if (flag?.type === "string" && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

function parseRequest(argv: string[], env: NodeJS.ProcessEnv): CertsRequest | "help" {
  let values: ReturnType<typeof parseArgs<{ args: string[]; options: typeof FLAGS; strict: true }>>["values"];
  try {
    ({ values } = parseArgs({
      args: joinNegativeValues(argv),
      options: FLAGS,
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new CertsUsageError(`${(err as Error).message.replaceAll("\n", " ")} (see owts certs --help)`);
  }
  if (values.help) return "help";
  const keyType = values["key-type"];
  if (keyType !== undefined && !isKeyType(keyType))
    throw new CertsUsageError(`--key-type: "${keyType}" is not ecdsa or rsa`);
  const sans = (values.san ?? []).map((s) => {
    try {
      return parseSan(s);
    } catch (err) {
      throw new CertsUsageError(`--san: ${(err as Error).message}`);
    }
  });
  return {
    dataDir: resolve(values["data-dir"] ?? env.OWTS_DATA_DIR ?? ".owts-data"),
    days: values.days === undefined ? undefined : parseDays(values.days, "--days"),
    regenKey: values["regen-key"],
    keyType,
    sans,
    hostname: hostnameFromFlags(values.hostname, values.mode, values.id),
    caDir: values.ca === undefined ? undefined : resolve(values.ca),
    yes: values.yes === true,
  };
}

function hostnameFromFlags(hostname?: string, mode?: string, id?: string): string | undefined {
  if (hostname !== undefined && (mode !== undefined || id !== undefined))
    throw new CertsUsageError("--hostname cannot be combined with --mode/--id; give one or the other");
  if (hostname !== undefined) {
    try {
      return normalizeHostname(hostname);
    } catch (err) {
      throw new CertsUsageError(`--hostname: ${(err as Error).message}`);
    }
  }
  if (mode === undefined) {
    if (id !== undefined)
      throw new CertsUsageError("--id needs --mode (aircraft or winch) to make a hostname");
    return undefined;
  }
  if (!isMode(mode)) throw new CertsUsageError(`--mode: "${mode}" is not a mode (aircraft or winch)`);
  const espId = id === undefined ? detectEspId().espId : parseEspId(id);
  if (espId === null) throw new CertsUsageError(`--id: "${id}" is not 6 hex digits (e.g. 3A4F1C)`);
  return normalizeHostname(deviceHostname(mode, espId));
}

/** The data dir must be a writable directory, or creatable; checked before any question is asked. */
async function checkDataDir(dir: string): Promise<void> {
  let probe = dir;
  for (;;) {
    try {
      if (!(await stat(probe)).isDirectory()) throw Object.assign(new Error(), { code: "ENOTDIR" });
      await access(probe, constants.W_OK | constants.X_OK);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" && dirname(probe) !== probe) {
        probe = dirname(probe);
        continue;
      }
      throw new CertsUsageError(
        `--data-dir: ${dir} cannot be used as the data directory (${code ?? "not usable"})`,
      );
    }
  }
}

/** Line-by-line answers; buffered, so answers piped in before the question are not lost. */
class Questions {
  readonly #lines: AsyncIterator<string>;
  readonly #close: () => void;
  constructor(
    input: NodeJS.ReadableStream,
    private readonly output: NodeJS.WritableStream,
  ) {
    const rl = createInterface({ input, terminal: false, crlfDelay: Number.POSITIVE_INFINITY });
    this.#lines = rl[Symbol.asyncIterator]();
    this.#close = () => rl.close();
  }

  async ask(question: string): Promise<string> {
    this.output.write(question);
    const next = await this.#lines.next();
    if (next.done) {
      this.output.write("\n");
      throw new CertsAborted();
    }
    return next.value.trim();
  }

  /** Asks until `parse` accepts (it returns undefined to reject), at most three times. */
  async askUntil<T>(question: string, parse: (answer: string) => T | undefined, hint: string): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const value = parse(await this.ask(question));
      if (value !== undefined) return value;
      if (attempt === 3) throw new CertsUsageError(`no valid answer after 3 tries: ${hint}`);
      this.output.write(`  ${hint}\n`);
    }
  }

  close(): void {
    this.#close();
  }
}

class CertsAborted extends Error {}

async function askMissing(
  req: CertsRequest,
  io: CertsIo,
  keyExists: boolean,
): Promise<{ days: number; regenKey: boolean }> {
  // Without a key there is nothing to keep: a new one is made either way, so the question is moot.
  const regenDefault = req.regenKey ?? (keyExists ? undefined : false);
  const interactive = io.isTTY && !req.yes;
  if (!interactive) return { days: req.days ?? DEFAULT_DAYS, regenKey: regenDefault ?? false };
  const q = new Questions(io.stdin, io.stdout);
  try {
    const days =
      req.days ??
      (await q.askUntil(
        `Validity in days [${DEFAULT_DAYS}]: `,
        (a) => {
          if (a === "") return DEFAULT_DAYS;
          try {
            return parseDays(a, "validity");
          } catch {
            return undefined;
          }
        },
        `enter a whole number of days from 1 to ${MAX_DAYS}, or press Enter for ${DEFAULT_DAYS}`,
      ));
    const regenKey =
      regenDefault ??
      (await q.askUntil(
        "Regenerate private key? [y/N]: ",
        (a) => (/^(y|yes)$/i.test(a) ? true : /^(n|no|)$/i.test(a) ? false : undefined),
        "answer y or n (Enter = n)",
      ));
    return { days, regenKey };
  } finally {
    q.close();
  }
}

/** Names the old certificate had that the new one drops (the old hostname, or --san names not repeated). */
function droppedNames(previous: CertificateInfo | null, now: string[]): string[] {
  if (!previous) return [];
  return previous.sans.map(formatSan).filter((name) => !now.includes(name));
}

/**
 * `owts certs`: the firmware's gen_certs.sh for a data directory. Returns the exit code: 0 done,
 * 2 bad flag/answer or a pair it refuses to touch (nothing written), 1 aborted or unexpected failure.
 */
export async function runCertsCommand(argv: string[], io: CertsIo): Promise<number> {
  const say = (line: string) => io.stdout.write(`${line}\n`);
  const fail = (code: number, line: string) => {
    io.stderr.write(`owts certs: ${line}\n`);
    return code;
  };
  try {
    const req = parseRequest(argv, io.env ?? process.env);
    if (req === "help") {
      say(CERTS_HELP);
      return 0;
    }
    await checkDataDir(req.dataDir);
    let previous: CertificateInfo | null = null;
    let unreadable: string | null = null;
    try {
      previous = await readCertificateInfo(req.dataDir);
    } catch (err) {
      unreadable = (err as Error).message;
    }
    const hostname = req.hostname ?? previous?.commonName ?? undefined;
    if (hostname === undefined) {
      const why = unreadable ?? `${certPaths(req.dataDir).cert} does not exist`;
      throw new CertsUsageError(
        `no hostname to issue the certificate for (${why}); pass --hostname NAME, or --mode MODE --id HEX6`,
      );
    }
    const ca = req.caDir ? await loadClubCa(req.caDir) : undefined;
    if (ca) {
      if (req.days !== undefined && req.days > CA_ISSUED_DAYS)
        throw new CertsUsageError(
          `--days: a certificate issued by a CA lives at most ${CA_ISSUED_DAYS} days (Apple refuses longer ones once trusted)`,
        );
      req.days ??= CA_ISSUED_DAYS;
    }
    if (io.isTTY && !req.yes) say(`Re-issuing the certificate for ${hostname} in ${req.dataDir}`);
    const keyExists = await stat(certPaths(req.dataDir).key).then(
      () => true,
      () => false,
    );
    const { days, regenKey } = await askMissing(req, io, keyExists);

    const issued = await issueCertificate({
      dataDir: req.dataDir,
      hostname,
      days,
      regenKey,
      extraSans: req.sans,
      keyType: req.keyType,
      siblingHostnames: otherModeHostnames,
      ...(ca ? { ca } : {}),
    });
    const paths = certPaths(req.dataDir);
    const keyNote = {
      kept: `kept the existing ${issued.keyDescription} key`,
      regenerated: `with a new ${issued.keyDescription} key`,
      created: `with a new ${issued.keyDescription} key, as there was none`,
    }[issued.key];
    say(`Issued a new certificate for ${issued.hostname} (${keyNote}).`);
    if (ca) say(`  issued by    the club CA "${ca.name}" (SHA-256 ${ca.fingerprintSha256})`);
    say(`  certificate  ${paths.cert}`);
    say(`  key          ${paths.key}`);
    say(`  fingerprint  SHA-256 ${issued.fingerprintSha256}`);
    say(`  valid until  ${issued.notAfter.toISOString()} (${days} days)`);
    say(`  names        ${issued.sans.join(", ")}`);
    const dropped = droppedNames(previous, issued.sans);
    if (dropped.length > 0) say(`  dropped      ${dropped.join(", ")} (pass --san to keep a name)`);
    say(
      "A running owts device using this data directory picks up the new certificate by itself; no restart needed.",
    );
    say("Browsers that accepted the previous certificate will show the warning once more for the new one.");
    return 0;
  } catch (err) {
    if (err instanceof CertsUsageError || err instanceof CertificateError) return fail(2, err.message);
    if (err instanceof CertsAborted) return fail(1, "aborted (no answer); nothing was changed");
    return fail(1, `unexpected failure: ${(err as Error).message}`);
  }
}
