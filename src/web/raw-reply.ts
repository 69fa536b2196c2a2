import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";

/** How long a closing connection may take to flush its last bytes before it is cut. */
const FLUSH_GRACE_MS = 2_000;

/**
 * A complete HTTP/1.1 response written straight to a socket, for the moments when there is no
 * request object to answer through (the request line or headers could not be parsed).
 */
export function rawResponse(status: number, json?: unknown): string {
  const body = json === undefined ? "" : JSON.stringify(json);
  const type = json === undefined ? "" : "Content-Type: application/json; charset=utf-8\r\n";
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\n${type}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/**
 * Sends `last` (if anything) and closes the connection. HTTP sockets are half-open, so `end`
 * alone would leave it lingering until the peer closes; a peer that stops reading is cut after a
 * short grace.
 */
export function endAndClose(socket: Duplex, last?: string): void {
  if (socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const timer = setTimeout(() => socket.destroy(), FLUSH_GRACE_MS);
  timer.unref();
  socket.end(last ?? "", () => {
    clearTimeout(timer);
    socket.destroy();
  });
}
