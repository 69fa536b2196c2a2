import dgram from "node:dgram";
import { lookup } from "node:dns/promises";
import { isIP, isIPv6 } from "node:net";
import { type Clock, systemClock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { DropCounters, RadioLink, ReceiveHandler, RxChannel, TxMeta, TxResult } from "./link.js";

export interface UdpEndpoint {
  address: string;
  port: number;
}

/** Where a UDP radio link receives frames unless told otherwise: every address, OWTS's port. */
export const DEFAULT_UDP_BIND: UdpEndpoint = { address: "0.0.0.0", port: 47800 };

export interface UdpLinkOptions {
  /** Where this device listens (port 0 picks a free one; see `address()`). */
  bind: UdpEndpoint;
  /** Where frames go: the other device(s). Datagrams are accepted only from these (see accept_any). */
  peers: UdpEndpoint[];
  /**
   * Accept datagrams from anyone, not only from the peers (`--radio-accept-any`): for a setup where
   * the other unit's address is not known in advance. Frames are still verified by the winch.
   * @default false
   */
  accept_any?: boolean;
  logger: Logger;
  /** @default systemClock */
  clock?: Clock;
}

/** Largest datagram passed on: the SX1262 buffer size. Anything bigger cannot be a frame from the air. */
export const UDP_MAX_DATAGRAM = 255;

/**
 * The radio replaced by UDP: each frame is one datagram with exactly the on-air bytes, so two
 * processes or hosts can stand in for aircraft and winch. There is no radio, so RSSI and SNR are
 * reported as null, and frequency/modem are not checked (both sides are assumed tuned alike).
 */
export class UdpRadioLink implements RadioLink {
  readonly kind = "udp" as const;
  private readonly handlers = new Set<ReceiveHandler>();
  private readonly log: Logger;
  private readonly clock: Clock;
  private closed = false;
  private oversized = 0;
  private foreign = 0;
  /** `address port` of every peer, addresses resolved and IPv4-mapped ones unwrapped. */
  private accepted: Set<string>;

  private constructor(
    private readonly socket: dgram.Socket,
    private peers: UdpEndpoint[],
    accepted: Set<string>,
    private readonly acceptAny: boolean,
    logger: Logger,
    clock: Clock,
  ) {
    this.log = logger.child({ tag: "radio" });
    this.clock = clock;
    this.accepted = accepted;
    socket.on("message", (msg, rinfo) => {
      // Checked before anything else: a flood from strangers costs a Set lookup per datagram.
      if (!this.acceptAny && !this.accepted.has(endpointKey(rinfo.address, rinfo.port))) {
        this.foreign++;
        return;
      }
      if (msg.length > UDP_MAX_DATAGRAM) {
        this.oversized++;
        return;
      }
      const meta = { rssi_dbm: null, snr_db: null, rx_t_ms: this.clock.now() };
      const frame = new Uint8Array(msg.buffer, msg.byteOffset, msg.length);
      for (const h of this.handlers) h(frame, meta);
    });
    socket.on("error", (err) => this.log.warn({ err: err.message }, "udp radio socket error"));
  }

  /** Opens the socket; rejects with a clear error if the address cannot be bound. */
  static async open(opts: UdpLinkOptions): Promise<UdpRadioLink> {
    for (const p of opts.peers) checkEndpoint(p, "peer");
    checkEndpoint(opts.bind, "bind", true);
    const socket = dgram.createSocket({ type: isIPv6(opts.bind.address) ? "udp6" : "udp4" });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => {
        socket.close();
        reject(new Error(`udp radio cannot bind ${opts.bind.address}:${opts.bind.port}: ${err.message}`));
      };
      socket.once("error", onError);
      socket.bind(opts.bind.port, opts.bind.address, () => {
        socket.off("error", onError);
        resolve();
      });
    });
    let accepted: Set<string>;
    try {
      accepted = await resolvePeers(opts.peers);
    } catch (err) {
      socket.close();
      throw err;
    }
    const acceptAny = opts.accept_any ?? false;
    const link = new UdpRadioLink(
      socket,
      opts.peers.slice(),
      accepted,
      acceptAny,
      opts.logger,
      opts.clock ?? systemClock,
    );
    link.log.info(
      { bind: link.address(), peers: opts.peers, accept: acceptAny ? "any" : "peers" },
      "udp radio link open",
    );
    return link;
  }

  address(): UdpEndpoint {
    const a = this.socket.address();
    return { address: a.address, port: a.port };
  }

  /** Replaces the peers (sending to and accepting from); rejects, changing nothing, if one cannot be resolved. */
  async setPeers(peers: UdpEndpoint[]): Promise<void> {
    for (const p of peers) checkEndpoint(p, "peer");
    const accepted = await resolvePeers(peers);
    this.peers = peers.slice();
    this.accepted = accepted;
  }

  /** Datagrams dropped before decoding: from strangers, or larger than a radio frame can be. */
  dropCounters(): DropCounters {
    return { foreign: this.foreign, oversized: this.oversized };
  }

  async send(frame: Uint8Array, _meta: TxMeta): Promise<TxResult> {
    if (this.closed) return { ok: false, error: "link closed" };
    const errors: string[] = [];
    await Promise.all(
      this.peers.map(
        (p) =>
          new Promise<void>((resolve) => {
            this.socket.send(frame, p.port, p.address, (err) => {
              if (err) errors.push(`${p.address}:${p.port}: ${err.message}`);
              resolve();
            });
          }),
      ),
    );
    return errors.length === 0 ? { ok: true } : { ok: false, error: errors.join("; ") };
  }

  onReceive(handler: ReceiveHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  tune(_channel: RxChannel): void {
    // No radio: both ends are configured alike by whoever runs them.
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers.clear();
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}

function endpointKey(address: string, port: number): string {
  const a = address.toLowerCase();
  return `${a.startsWith("::ffff:") && isIP(a.slice(7)) === 4 ? a.slice(7) : a} ${port}`;
}

/** Every address each peer's name resolves to (a literal address resolves to itself). */
async function resolvePeers(peers: UdpEndpoint[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const p of peers) {
    let addresses: string[];
    try {
      addresses = isIP(p.address)
        ? [p.address]
        : (await lookup(p.address, { all: true })).map((r) => r.address);
    } catch (err) {
      throw new Error(`udp peer ${p.address} cannot be resolved: ${(err as Error).message}`);
    }
    for (const a of addresses) out.add(endpointKey(a, p.port));
  }
  return out;
}

function checkEndpoint(e: UdpEndpoint, what: string, allowZeroPort = false): void {
  if (typeof e.address !== "string" || e.address.length === 0)
    throw new Error(`udp ${what} address is empty`);
  const min = allowZeroPort ? 0 : 1;
  if (!Number.isInteger(e.port) || e.port < min || e.port > 65_535) {
    throw new Error(`udp ${what} port must be an integer ${min}..65535, got ${e.port}`);
  }
}
