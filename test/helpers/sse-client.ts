import type { IncomingHttpHeaders } from "node:http";
import { type ClientHttp2Session, connect as h2connect } from "node:http2";
import { request as httpsRequest } from "node:https";

/** One server-sent event as the EventSource algorithm dispatches it (comments kept apart). */
export interface SseEvent {
  event: string;
  data: string;
  /** The `id:` of this block, or null when it had none (EventSource then keeps the previous one). */
  id: string | null;
  at: number;
}

/** An event stream read as a browser would, plus everything a test wants to see of it. */
export interface SseStream {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body so far, as received. */
  raw(): string;
  events: SseEvent[];
  comments: string[];
  retry: number | null;
  /** Resolves with the first event (from `from` on) that `pick` accepts; rejects after `timeoutMs`. */
  next(pick?: (e: SseEvent) => boolean, timeoutMs?: number, from?: number): Promise<SseEvent>;
  /** Resolves once the server has ended the stream: "end" (cleanly) or "aborted". */
  ended: Promise<"end" | "aborted">;
  close(): void;
}

/** Feeds text to the SSE line parser (WHATWG HTML §9.2.6), calling `emit` per dispatched block. */
function sseParser(out: Pick<SseStream, "events" | "comments"> & { retry: number | null }) {
  let buffer = "";
  let data: string[] = [];
  let event = "";
  let id: string | null = null;
  return (text: string) => {
    buffer += text;
    for (;;) {
      const nl = buffer.search(/\r\n|\r|\n/);
      if (nl < 0) break;
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + (buffer.startsWith("\r\n", nl) ? 2 : 1));
      if (line === "") {
        if (data.length > 0)
          out.events.push({ event: event || "message", data: data.join("\n"), id, at: performance.now() });
        data = [];
        event = "";
        id = null;
        continue;
      }
      if (line.startsWith(":")) {
        out.comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "data") data.push(value);
      else if (field === "event") event = value;
      else if (field === "id") id = value;
      else if (field === "retry" && /^\d+$/.test(value)) out.retry = Number(value);
    }
  };
}

function streamOf(
  status: number,
  headers: IncomingHttpHeaders,
  body: NodeJS.ReadableStream,
  close: () => void,
): SseStream {
  let raw = "";
  const s: SseStream = {
    status,
    headers,
    raw: () => raw,
    events: [],
    comments: [],
    retry: null,
    next(pick = () => true, timeoutMs = 5000, from = 0) {
      return new Promise((resolve, reject) => {
        const started = performance.now();
        const check = () => {
          const hit = s.events.slice(from).find(pick);
          if (hit) return resolve(hit);
          if (performance.now() - started > timeoutMs)
            return reject(new Error(`no matching event in ${timeoutMs} ms; got:\n${raw.slice(-2000)}`));
          setTimeout(check, 10);
        };
        check();
      });
    },
    ended: new Promise((resolve) => {
      body.once("end", () => resolve("end"));
      body.once("error", () => resolve("aborted"));
      body.once("aborted", () => resolve("aborted"));
      body.once("close", () => resolve("aborted"));
    }),
    close,
  };
  const parse = sseParser(s);
  body.setEncoding("utf8");
  body.on("data", (t: string) => {
    raw += t;
    parse(t);
  });
  return s;
}

export interface SseRequest {
  port: number;
  path: string;
  ca?: string | Buffer;
  headers?: Record<string, string>;
}

/** Opens `path` over HTTPS/1.1 on its own connection; resolves once the response head is in. */
export function openSse(req: SseRequest): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const r = httpsRequest(
      {
        host: "127.0.0.1",
        port: req.port,
        path: req.path,
        headers: { accept: "text/event-stream", ...req.headers },
        ...(req.ca ? { ca: req.ca } : { rejectUnauthorized: false }),
        agent: false,
      },
      (res) => resolve(streamOf(res.statusCode ?? 0, res.headers, res, () => r.destroy())),
    );
    r.on("error", reject);
    r.end();
  });
}

/** An HTTP/2 session to 127.0.0.1:port (trusting any certificate: tests pin nothing here). */
export function h2Session(port: number): ClientHttp2Session {
  const session = h2connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
  session.on("error", () => {});
  return session;
}

/** Opens `path` as one stream of `session`; resolves once the response head is in. */
export function openSseH2(
  session: ClientHttp2Session,
  path: string,
  headers: Record<string, string> = {},
): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":path": path, accept: "text/event-stream", ...headers });
    stream.on("error", () => {});
    stream.once("response", (h) => {
      const status = Number(h[":status"]);
      resolve(streamOf(status, h as IncomingHttpHeaders, stream, () => stream.close()));
    });
    stream.once("close", () => reject(new Error("the stream closed before its head")));
    stream.end();
  });
}
