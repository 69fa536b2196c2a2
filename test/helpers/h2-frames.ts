import tls from "node:tls";

/** RFC 9113 frame types used by the flood tests. */
export const FRAME = {
  DATA: 0x0,
  HEADERS: 0x1,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PING: 0x6,
  CONTINUATION: 0x9,
} as const;
export const FLAG = { END_STREAM: 0x1, END_HEADERS: 0x4, ACK: 0x1 } as const;

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** One raw frame: 9-byte header then payload. */
export function frame(
  type: number,
  flags: number,
  streamId: number,
  payload: Buffer = Buffer.alloc(0),
): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

/** An HPACK block for `GET /api/about` (or `POST` with `method`), static-table indexed plus a literal authority. */
export function requestBlock(path = "/api/about", method: "GET" | "POST" = "GET"): Buffer {
  const literal = (name: string, value: string): Buffer =>
    Buffer.concat([
      Buffer.from([0x00, name.length]),
      Buffer.from(name, "latin1"),
      Buffer.from([value.length]),
      Buffer.from(value, "latin1"),
    ]);
  return Buffer.concat([
    Buffer.from([method === "GET" ? 0x82 : 0x83, 0x87]), // :method, :scheme https
    literal(":path", path),
    literal(":authority", "localhost"),
    ...(method === "POST" ? [literal("content-type", "application/json")] : []),
  ]);
}

/** A literal header field (without indexing) for CONTINUATION padding. */
export function headerField(name: string, value: string): Buffer {
  return Buffer.concat([
    Buffer.from([0x00, name.length]),
    Buffer.from(name, "latin1"),
    Buffer.from([value.length]),
    Buffer.from(value, "latin1"),
  ]);
}

export interface RawH2 {
  socket: tls.TLSSocket;
  /** Bytes the server sent, as they arrived. */
  received(): Buffer;
  /** Resolves when the server closed the connection (or after `ms`, with false). */
  closed(ms: number): Promise<boolean>;
  /** GOAWAY error codes the server sent. */
  goawayCodes(): number[];
}

/** A TLS connection that negotiated h2 and sent the preface and an empty SETTINGS frame; nothing else. */
export function connectRawH2(port: number, ca: Buffer, opts: { read?: boolean } = {}): Promise<RawH2> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: "127.0.0.1",
      port,
      servername: "localhost",
      ca,
      ALPNProtocols: ["h2"],
    });
    const chunks: Buffer[] = [];
    let ended = false;
    const endWaiters: Array<() => void> = [];
    socket.on("error", () => {});
    socket.once("close", () => {
      ended = true;
      for (const w of endWaiters.splice(0)) w();
    });
    if (opts.read !== false) socket.on("data", (c: Buffer) => chunks.push(c));
    socket.once("secureConnect", () => {
      if (socket.alpnProtocol !== "h2") {
        reject(new Error(`ALPN chose ${String(socket.alpnProtocol)}, not h2`));
        return;
      }
      socket.write(Buffer.concat([PREFACE, frame(FRAME.SETTINGS, 0, 0)]));
      resolve({
        socket,
        received: () => Buffer.concat(chunks),
        closed: (ms) =>
          ended
            ? Promise.resolve(true)
            : new Promise((r) => {
                const t = setTimeout(() => r(false), ms);
                endWaiters.push(() => {
                  clearTimeout(t);
                  r(true);
                });
              }),
        goawayCodes: () => {
          const codes: number[] = [];
          const all = Buffer.concat(chunks);
          for (let i = 0; i + 9 <= all.length; ) {
            const len = all.readUIntBE(i, 3);
            if (all[i + 3] === 0x7 && i + 9 + 8 <= all.length) codes.push(all.readUInt32BE(i + 9 + 4));
            i += 9 + len;
          }
          return codes;
        },
      });
    });
    socket.once("error", reject);
  });
}
