/**
 * sd_listen_fds(3): systemd (owts.socket) bound HTTPS and HTTP and passes them as fd 3 and fd 4,
 * in the order of its ListenStream lines. The variables are meant for this process only
 * (LISTEN_PID) and are removed once read, so nothing the device starts inherits them.
 */
import { UsageError } from "./read-flags.js";

/** The first fd systemd passes (SD_LISTEN_FDS_START). */
export const LISTEN_FDS_START = 3;

export function takeListenFds(
  env: NodeJS.ProcessEnv = process.env,
  pid = process.pid,
): { https: number; http: number } | undefined {
  const count = env.LISTEN_FDS;
  if (count === undefined) return undefined;
  const forUs = Number(env.LISTEN_PID) === pid;
  delete env.LISTEN_FDS;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDNAMES;
  if (!forUs) return undefined;
  if (count !== "2")
    throw new UsageError(
      `LISTEN_FDS=${count}: socket activation needs exactly two sockets, HTTPS then HTTP (see owts service --help)`,
    );
  return { https: LISTEN_FDS_START, http: LISTEN_FDS_START + 1 };
}
