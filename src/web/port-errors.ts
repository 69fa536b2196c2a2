import type { AddressInfo, Server } from "node:net";

export interface ListenTarget {
  port: number;
  host?: string;
  /**
   * The CLI flag that chose this port, named in the advice ("--https-port").
   * @default undefined (the advice names `owts start`'s --https-port and --http-port)
   */
  flag?: string;
  /** A listening socket handed over by systemd (socket activation): used instead of binding. @default none */
  fd?: number;
}

const PRIVILEGED_PORT_LIMIT = 1024;
const UNPRIVILEGED_OFFSET = 8000;

/**
 * Turns a bind failure into one line that says what to do, or null when the error is not a bind
 * failure (the caller then reports it as it is).
 */
export function describeListenError(err: unknown, target: ListenTarget): string | null {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const where = target.host ? `${target.host}:${target.port}` : `port ${target.port}`;
  const flags = target.flag ?? "--https-port/--http-port";
  switch (code) {
    case "EADDRINUSE":
      return `port ${target.port} is already in use (another owts or web server?) — choose another with ${flags}`;
    case "EACCES":
    case "EPERM":
      if (target.port < PRIVILEGED_PORT_LIMIT) {
        // 443 → 8443, 80 → 8080: the ports people expect as the unprivileged stand-ins.
        const instead = target.flag
          ? `${target.flag} ${target.port + UNPRIVILEGED_OFFSET}`
          : "--https-port 8443 --http-port 8080";
        return (
          `no permission to bind ${where}: ports below ${PRIVILEGED_PORT_LIMIT} need privilege — ` +
          `run with ${instead}, or grant Node the right once with ` +
          "`sudo setcap cap_net_bind_service=+ep $(command -v node)`"
        );
      }
      return `no permission to bind ${where} — choose another port with ${flags}`;
    case "EADDRNOTAVAIL":
      return `cannot listen on ${where}: ${target.host ?? "that address"} is not an address of this machine — check --listen`;
    case "EAFNOSUPPORT":
      return `cannot listen on ${where}: this machine has no support for that address family — check --listen`;
    default:
      return null;
  }
}

/** A bind failure carrying the advice line; `cause` keeps the system error for the log. */
export class ListenError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    options: { cause: unknown },
  ) {
    super(message, options);
    this.name = "ListenError";
  }
}

/** `server.listen` as a promise that rejects with a ListenError whose message is the advice line. */
export function listenOn(server: Server, target: ListenTarget): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      const advice = describeListenError(err, target);
      reject(
        new ListenError(advice ?? `cannot listen on port ${target.port}: ${err.message}`, err.code, {
          cause: err,
        }),
      );
    };
    const onListening = () => {
      server.off("error", onError);
      resolve(server.address() as AddressInfo);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    if (target.fd !== undefined) server.listen({ fd: target.fd });
    else server.listen({ port: target.port, host: target.host });
  });
}
