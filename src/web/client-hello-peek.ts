import type net from "node:net";

/** A TLS record header is 5 bytes; its payload is at most 2^14 bytes plus expansion (RFC 8446 §5.1). */
const RECORD_HEADER = 5;
const MAX_RECORD = RECORD_HEADER + 16_384 + 256;
const HANDSHAKE = 0x16;

export interface ClientHelloPeekOptions {
  /** The first record is complete (or the peer sent something that is not TLS: it fails fast once admitted). */
  onReady: () => void;
  /** The peer closed while waiting. */
  onGone: () => void;
}

/**
 * Watches a waiting, paused TCP connection for its first TLS record without consuming it: what is
 * read is put back (`unshift`) before the connection is handed on, and node:tls replays a socket's
 * buffered bytes into the handshake when it wraps it. So the budget can tell a client that has
 * said hello (ready to handshake now) from one that is silent or sends a ClientHello a byte at a time.
 */
export class ClientHelloPeek {
  #chunks: Buffer[] = [];
  #length = 0;
  #ready = false;
  #released = false;
  readonly #socket: net.Socket;
  readonly #opts: ClientHelloPeekOptions;
  readonly #onData = (chunk: Buffer): void => this.#data(chunk);
  readonly #onEnd = (): void => {
    if (this.#released) return;
    this.release();
    this.#opts.onGone();
  };

  constructor(socket: net.Socket, opts: ClientHelloPeekOptions) {
    this.#socket = socket;
    this.#opts = opts;
    socket.on("data", this.#onData);
    socket.once("end", this.#onEnd);
    socket.once("close", this.#onEnd);
    socket.resume();
  }

  /** Whether the first TLS record has fully arrived. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Stops watching and puts back what was read; the socket is left paused, as it arrived. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    const s = this.#socket;
    s.off("data", this.#onData);
    s.off("end", this.#onEnd);
    s.off("close", this.#onEnd);
    s.pause();
    if (this.#length > 0 && !s.destroyed) s.unshift(Buffer.concat(this.#chunks, this.#length));
    this.#chunks = [];
  }

  #data(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    if (this.#ready) return;
    const head = this.#chunks.length === 1 ? chunk : Buffer.concat(this.#chunks, this.#length);
    const notTls = head[0] !== HANDSHAKE;
    const complete = head.length >= RECORD_HEADER && head.length >= RECORD_HEADER + head.readUInt16BE(3);
    if (notTls || complete || this.#length >= MAX_RECORD) {
      this.#ready = true;
      // Nothing more is needed to decide; the rest stays in the kernel until the handshake.
      this.#socket.pause();
      this.#opts.onReady();
    }
  }
}
