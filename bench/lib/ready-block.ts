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
  /OWTS (winch|aircraft) ([0-9A-F]{6}) ready\n\s+HTTPS\s+https:\/\/127\.0\.0\.1:(\d+)\/[\s\S]*?HTTPS\s+https:\/\/([^\s/:]+):\d+\/[\s\S]*?HTTP\s+http:\/\/127\.0\.0\.1:(\d+)\/[\s\S]*?certificate SHA-256 ([0-9A-F:]+)/g;

/** Every complete ready block in a process's output (units listening on 127.0.0.1), in order. */
export function parseReadyBlocks(output: string): ReadyUnit[] {
  return [...output.matchAll(READY)].map((m) => ({
    mode: m[1] as ReadyUnit["mode"],
    espId: m[2] as string,
    httpsPort: Number(m[3]),
    hostname: m[4] as string,
    httpPort: Number(m[5]),
    fingerprint: m[6] as string,
  }));
}
