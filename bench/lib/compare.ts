import type { Spawned } from "./processes.js";

export interface Measured<T> {
  result: T;
  /** CPU time the server process spent during the measurement, ms. */
  serverCpuMs: number;
}

/**
 * Runs `measure` against each server in turn, `rounds` times, alternating, so that a burst of load
 * from something else on the machine hits both sides rather than only one. Returns, per server, the
 * results of its rounds and the server CPU time each took.
 */
export async function alternate<T>(
  rounds: number,
  servers: readonly { proc: Pick<Spawned, "cpuMs">; measure: () => Promise<T> }[],
): Promise<Measured<T>[][]> {
  const out: Measured<T>[][] = servers.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, s] of servers.entries()) {
      const cpu0 = s.proc.cpuMs();
      const result = await s.measure();
      out[i]!.push({ result, serverCpuMs: s.proc.cpuMs() - cpu0 });
    }
  }
  return out;
}
