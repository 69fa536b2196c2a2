import net from "node:net";
import tls from "node:tls";

/**
 * The attackers come from other loopback addresses than the legitimate client (127.0.0.1), as an
 * attacker on the device's Wi-Fi is another host. All of 127.0.0.0/8 is local on Linux.
 */
export const ATTACKER_ADDRESSES = ["127.0.0.2", "127.0.0.3"] as const;

export interface AttackStats {
  /** Connections opened so far. */
  connections: number;
  /** Of those, how many the device closed (timeouts, refusals) rather than the attacker. */
  closedByDevice: number;
  /** Attack connections open right now. */
  open: number;
}

/**
 * Keeps `count` hostile connections open against a port for as long as it runs: when the device closes
 * one, another replaces it after `reconnectMs` (as a real slowloris tool does).
 */
export class AttackPool {
  readonly #sockets = new Set<net.Socket>();
  #running = false;
  readonly stats: AttackStats = { connections: 0, closedByDevice: 0, open: 0 };

  constructor(
    private readonly count: number,
    private readonly open: (localAddress: string) => net.Socket,
    private readonly reconnectMs = 100,
  ) {}

  start(): void {
    this.#running = true;
    for (let i = 0; i < this.count; i++) this.#spawn(i);
  }

  #spawn(i: number): void {
    if (!this.#running) return;
    const socket = this.open(ATTACKER_ADDRESSES[i % ATTACKER_ADDRESSES.length]!);
    this.stats.connections++;
    this.#sockets.add(socket);
    this.stats.open = this.#sockets.size;
    socket.on("error", () => {});
    socket.once("close", () => {
      this.#sockets.delete(socket);
      this.stats.open = this.#sockets.size;
      if (!this.#running) return;
      this.stats.closedByDevice++;
      setTimeout(() => this.#spawn(i), this.reconnectMs).unref();
    });
  }

  stop(): void {
    this.#running = false;
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    this.stats.open = 0;
  }
}

/**
 * Slowloris: completes the TLS handshake, starts a request and then trickles one more header line
 * every `trickleMs`, never finishing the headers.
 */
export function slowloris(port: number, trickleMs = 1_000): (localAddress: string) => net.Socket {
  return (localAddress) => {
    const tcp = net.connect({ host: "127.0.0.1", port, localAddress });
    const socket = tls.connect({ socket: tcp, rejectUnauthorized: false });
    tcp.on("error", () => {});
    let timer: NodeJS.Timeout | undefined;
    socket.once("secureConnect", () => {
      socket.write("GET /api/about HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      let n = 0;
      timer = setInterval(() => {
        if (!socket.destroyed) socket.write(`X-Slow-${n++}: ${"a".repeat(8)}\r\n`);
      }, trickleMs);
    });
    socket.on("data", () => {});
    socket.once("close", () => clearInterval(timer));
    return socket;
  };
}

/**
 * A TLS handshake that never completes: a record header announcing a ClientHello of 512 bytes, then
 * only its first few bytes, then silence.
 */
export function halfOpenHandshake(port: number): (localAddress: string) => net.Socket {
  return (localAddress) => {
    const socket = net.connect({ host: "127.0.0.1", port, localAddress });
    socket.once("connect", () => {
      // TLS record: handshake (0x16), version 3.1, length 512; handshake type ClientHello (1), length 508.
      socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]));
    });
    socket.on("data", () => {});
    return socket;
  };
}

/**
 * Opens a TCP connection, writes `bytes`, and resolves with what came back once the device closed it.
 * `connected` says the attack reached the device at all: a refused connection is not "closed by the device".
 */
export function rawExchange(
  port: number,
  bytes: Buffer | string,
  opts: { timeoutMs?: number; endAfterWrite?: boolean } = {},
): Promise<{ reply: Buffer; closedByDevice: boolean; connected: boolean; error?: string }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    let timedOut = false;
    let connected = false;
    let error: string | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, opts.timeoutMs ?? 15_000);
    socket.once("connect", () => {
      connected = true;
      socket.write(bytes);
      if (opts.endAfterWrite) socket.end();
    });
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", (err: NodeJS.ErrnoException) => {
      error = err.code ?? err.message;
    });
    socket.once("close", () => {
      clearTimeout(timer);
      // closedByDevice only means something for a connection the device accepted.
      resolve({
        reply: Buffer.concat(chunks),
        closedByDevice: connected && !timedOut,
        connected,
        ...(error ? { error } : {}),
      });
    });
  });
}
