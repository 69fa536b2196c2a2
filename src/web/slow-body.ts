import type { Http2ServerResponse } from "node:http2";
import { PassThrough } from "node:stream";
import type { FastifyInstance } from "fastify";
import { ApiError } from "../core/api-error.js";
import { BODY_LIMIT } from "./body-rules.js";

export interface BodyDeadlineOptions {
  /**
   * Slowest body rate accepted, bytes per second of the declared length (or of the body limit when
   * the length is not declared). Real clients send an 8 KiB body in one write.
   * @default 1024
   */
  minBytesPerSecond?: number;
  /**
   * Added to every deadline: the network's own delay.
   * @default 1000 ms
   */
  graceMs?: number;
  /** Told once per request ended for a slow body. */
  onSlow: () => void;
}

/**
 * A request body must arrive at a sane rate: a client that trickles one (1 byte/s) would hold a
 * session for the whole request timeout while others wait. Past the deadline the request ends with
 * 408 in the envelope; on HTTP/1.1 the connection closes after it (the rest of the body is unread),
 * on h2 only the stream ends.
 */
export function installBodyDeadline(app: FastifyInstance, opts: BodyDeadlineOptions): void {
  const rate = opts.minBytesPerSecond ?? 1024;
  const grace = opts.graceMs ?? 1_000;
  if (!(rate > 0)) throw new RangeError(`minBytesPerSecond must be > 0, got ${rate}`);
  app.addHook("preParsing", async (req, reply, payload) => {
    const declared = Number(req.headers["content-length"]);
    const bytes = Number.isFinite(declared) && declared > 0 ? Math.min(declared, BODY_LIMIT) : BODY_LIMIT;
    // Capped at setTimeout's range (a tiny rate would otherwise wrap around to 1 ms).
    const deadlineMs = Math.min(grace + (bytes * 1000) / rate, 2 ** 31 - 1);
    const out = new PassThrough() as PassThrough & { receivedEncodedLength?: number };
    out.receivedEncodedLength = 0;
    const onData = (chunk: Buffer): void => {
      out.receivedEncodedLength! += chunk.length;
      out.write(chunk);
    };
    const timer = setTimeout(() => {
      payload.off("data", onData);
      // The rest is read and dropped, so the 408 can still be written on this connection.
      payload.resume();
      const stream = (reply.raw as unknown as Http2ServerResponse).stream;
      // h2 (RFC 9113 §8.1): after a complete response, RST_STREAM NO_ERROR tells the client to stop sending.
      if (stream) reply.raw.once("finish", () => stream.close());
      else if (!reply.raw.headersSent) reply.raw.setHeader("Connection", "close");
      opts.onSlow();
      out.destroy(
        new ApiError(
          408,
          "bad_request",
          `the request body did not arrive in time (${Math.round(deadlineMs)} ms for ${bytes} bytes); send it at once`,
        ),
      );
    }, deadlineMs);
    timer.unref();
    payload.on("data", onData);
    payload.once("end", () => {
      clearTimeout(timer);
      out.end();
    });
    payload.once("error", (err) => {
      clearTimeout(timer);
      out.destroy(err);
    });
    payload.once("close", () => clearTimeout(timer));
    return out;
  });
}
