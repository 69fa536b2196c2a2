import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { keepAliveAgent, type Reply, send, type Target } from "./load-client.js";

/** The body as text, undoing the Content-Encoding the server chose. */
export function decodedBody(reply: Reply): Buffer {
  const enc = reply.headers["content-encoding"];
  if (enc === "br") return brotliDecompressSync(reply.body);
  if (enc === "gzip") return gunzipSync(reply.body);
  return reply.body;
}

/**
 * Same-origin files the HTML references (scripts, stylesheets, preloads, icons, images), in document
 * order; inline `data:` URLs and other origins are not requests to the device and are left out.
 */
export function referencedPaths(html: string): string[] {
  const found: string[] = [];
  const tag = /<(script|link|img|source)\b[^>]*>/gi;
  for (const m of html.matchAll(tag)) {
    const attr = /\b(?:src|href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(m[0]);
    const url = attr?.[1] ?? attr?.[2] ?? attr?.[3];
    if (
      !url ||
      /^(data|blob|javascript):/i.test(url) ||
      /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ||
      url.startsWith("//")
    )
      continue;
    const path = url.startsWith("/") ? url : `/${url}`;
    if (!found.includes(path)) found.push(path);
  }
  return found;
}

/** What a browser fetches first: the page, the files it references, and the device's first API call. */
export async function firstLoadPaths(target: Target): Promise<{ ui: string[]; api: string[] }> {
  const agent = keepAliveAgent(1);
  try {
    const page = await send(target, { path: "/", headers: { "accept-encoding": "br, gzip" } }, agent);
    if (page.status !== 200) throw new Error(`GET / answered ${page.status}`);
    return { ui: ["/", ...referencedPaths(decodedBody(page).toString("utf8"))], api: ["/api/about"] };
  } finally {
    agent.destroy();
  }
}
