/** One unit's ready block as `owts start` / `owts demo` print it (`readyBlock` in src/cli/start.ts). */
export interface ReadyUnit {
  mode: "winch" | "aircraft";
  espId: string;
  httpsPort: number;
  /** `OWTS-<mode>-<id>.local` */
  hostname: string;
  httpPort: number;
  fingerprint: string;
}

const READY =
  /OWTS (winch|aircraft) ([0-9A-F]{6}) ready\n\s+HTTPS\s+https:\/\/127\.0\.0\.1:(\d+)\/[\s\S]*?HTTP\s+http:\/\/127\.0\.0\.1:(\d+)\/[\s\S]*?certificate SHA-256 ([0-9A-F:]+)/g;

/**
 * Every complete ready block in a process's output (units listening on 127.0.0.1), in order. The
 * hostname is the device's own (`OWTS-<mode>-<id>`): the block prints a `.local` URL only when mDNS
 * advertises it, and these units run without.
 */
export function parseReadyBlocks(output: string): ReadyUnit[] {
  return [...output.matchAll(READY)].map((m) => ({
    mode: m[1] as ReadyUnit["mode"],
    espId: m[2] as string,
    httpsPort: Number(m[3]),
    hostname: `OWTS-${m[1]}-${m[2]}.local`,
    httpPort: Number(m[4]),
    fingerprint: m[5] as string,
  }));
}
