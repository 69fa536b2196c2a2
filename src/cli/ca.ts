/**
 * `owts ca init|show`: the club CA that signs every unit's certificate, so a phone trusts all units
 * once. Its own small parser (like `owts certs`): these are one-shot commands, not device flags.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  CA_ISSUED_DAYS,
  CertificateError,
  type ClubCa,
  DEFAULT_CA_DAYS,
  DEFAULT_CA_NAME,
  initClubCa,
  loadClubCa,
  MAX_DAYS,
} from "../certs/index.js";

export const CA_HELP = `Usage: owts ca init --dir DIR [--name "Club name"] [--days N] [--force]
       owts ca show --dir DIR

init  makes a club CA: DIR/ca.crt and DIR/ca.key (mode 600), ECDSA P-256, valid ${DEFAULT_CA_DAYS} days by
      default, with critical name constraints: it can only sign for .local names, localhost, and
      loopback, link-local and private addresses. It never overwrites a non-empty DIR without --force.
show  prints the CA's subject, fingerprint, expiry and name constraints.

Then start each unit with --ca DIR (or OWTS_CA=DIR): its certificate is issued by the CA for at most
${CA_ISSUED_DAYS} days and renewed by itself when a third of its life is left. Install DIR/ca.crt once on every
phone and laptop (the unit's About page offers it, and an iOS profile, for download).

Options:
  --dir DIR      the CA's directory
  --name NAME    the CA's name, shown by phones in their trust settings (default "${DEFAULT_CA_NAME}")
  --days N       the CA's validity, 1-${MAX_DAYS} (default ${DEFAULT_CA_DAYS})
  --force        replace what DIR holds
  -h, --help     this text`;

const FLAGS = {
  dir: { type: "string" },
  name: { type: "string" },
  days: { type: "string" },
  force: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

class CaUsageError extends Error {}

/** The lines `owts ca show` (and `init`) print. */
export function describeCa(ca: ClubCa): string[] {
  const constraints =
    ca.permitted === null
      ? ["  constraints  none: this CA can sign for any name, public ones included"]
      : [
          `  constraints  name constraints${ca.constraintsCritical ? " (critical)" : " (NOT critical: old clients may ignore them)"}`,
          `    permitted  ${ca.permitted.join(", ") || "(none)"}`,
          ...(ca.excluded.length > 0 ? [`    excluded   ${ca.excluded.join(", ")}`] : []),
        ];
  return [
    `  subject      ${ca.subject}`,
    `  fingerprint  SHA-256 ${ca.fingerprintSha256}`,
    `  valid        ${ca.notBefore.toISOString()} to ${ca.notAfter.toISOString()}`,
    ...constraints,
    `  certificate  ${resolve(ca.dir, "ca.crt")}`,
  ];
}

export async function runCaCommand(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  const say = (line: string) => io.stdout.write(`${line}\n`);
  const [sub, ...rest] = argv;
  try {
    if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
      say(CA_HELP);
      return 0;
    }
    if (sub !== "init" && sub !== "show")
      throw new CaUsageError(`unknown subcommand "${sub}" (init or show)`);
    let values: { dir?: string; name?: string; days?: string; force?: boolean; help?: boolean };
    try {
      ({ values } = parseArgs({ args: rest, options: FLAGS, strict: true, allowPositionals: false }));
    } catch (err) {
      throw new CaUsageError(`${(err as Error).message.replaceAll("\n", " ")} (see owts ca --help)`);
    }
    if (values.help) {
      say(CA_HELP);
      return 0;
    }
    if (values.dir === undefined) throw new CaUsageError("--dir DIR is required");
    const dir = resolve(values.dir);
    if (sub === "show") {
      if (values.name !== undefined || values.days !== undefined || values.force)
        throw new CaUsageError("show takes only --dir");
      const ca = await loadClubCa(dir);
      say(`Club CA "${ca.name}"`);
      for (const line of describeCa(ca)) say(line);
      return 0;
    }
    let days: number | undefined;
    if (values.days !== undefined) {
      if (!/^\d+$/.test(values.days.trim()))
        throw new CaUsageError(
          `--days: "${values.days}" must be a whole number of days from 1 to ${MAX_DAYS}`,
        );
      days = Number(values.days.trim());
    }
    const ca = await initClubCa({
      dir,
      ...(values.name !== undefined ? { name: values.name } : {}),
      ...(days !== undefined ? { days } : {}),
      force: values.force === true,
    });
    say(`Made the club CA "${ca.name}".`);
    for (const line of describeCa(ca)) say(line);
    say(
      `  key          ${resolve(dir, "ca.key")} (mode 600: keep it safe; whoever holds it can sign for your units' names)`,
    );
    say(`Start each unit with --ca ${dir}, and install ca.crt once on every phone and laptop.`);
    return 0;
  } catch (err) {
    if (err instanceof CaUsageError || err instanceof CertificateError) {
      io.stderr.write(`owts ca: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
