import type { ServerResponse } from "node:http";
import type { Http2ServerResponse } from "node:http2";

const LIVE = Symbol("owts.liveStream");

type RawResponse = ServerResponse | Http2ServerResponse;

/**
 * Marks a response as a live stream (Server-Sent Events and the like): it stays open for as long as
 * the client wants it. A route calls this on `reply.raw` before it writes the first event:
 *
 * @example
 *   markLiveStream(reply.raw);
 *   reply.raw.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
 *
 * What the socket budget then does differently for its session:
 * - the HTTP/1.1 time slice never asks it to close (on HTTP/1.1 that socket is the page's one
 *   keep-alive connection; on h2 a GOAWAY would make the browser open a second session for its
 *   other requests), and it is never purged as idle (a response is in flight);
 * - the slow-reader bound still applies, unchanged: a stream whose client stops reading has output
 *   that does not drain, and is closed and counted (`slow_reader`) like any other; a healthy
 *   stream drains each event at once and is never touched.
 */
export function markLiveStream(res: RawResponse): void {
  (res as unknown as Record<symbol, boolean>)[LIVE] = true;
}

/** Whether `markLiveStream` was called on this response. */
export function isLiveStream(res: RawResponse): boolean {
  return (res as unknown as Record<symbol, boolean>)[LIVE] === true;
}
