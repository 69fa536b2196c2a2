import { createHash } from "node:crypto";
import type { Dirent } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import {
  brotliCompressSync,
  brotliDecompressSync,
  gunzipSync,
  gzipSync,
  constants as zlibConstants,
} from "node:zlib";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "../core/logger.js";

export type Encoding = "br" | "gzip" | "identity";
/** Server preference when the client likes several equally: smallest first. */
const PREFERENCE: readonly Encoding[] = ["br", "gzip", "identity"];
const SUFFIX: Record<Exclude<Encoding, "identity">, string> = { br: ".br", gzip: ".gz" };

export interface Variant {
  encoding: Encoding;
  body: Buffer;
  /** Strong validator of these exact bytes: each encoding has its own. */
  etag: string;
}

export interface StaticFile {
  /** Path relative to the UI directory, `/`-separated (`assets/app.js`). */
  path: string;
  contentType: string;
  /** Hex SHA-256 of the uncompressed bytes; a `?v=` query that is a prefix of it marks a versioned URL. */
  sha256: string;
  variants: ReadonlyMap<Encoding, Variant>;
}

export interface StaticSiteLimits {
  /** @default 500 */
  maxFiles: number;
  /** @default 16 MiB */
  maxTotalBytes: number;
  /** @default 8 */
  maxDepth: number;
}

/** The device UI is tens of kilobytes; these bounds catch a --ui-dir that points at the wrong folder. */
export const DEFAULT_STATIC_LIMITS: StaticSiteLimits = {
  maxFiles: 500,
  maxTotalBytes: 16 * 1024 * 1024,
  maxDepth: 8,
};

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".jpg": "image/jpeg",
  ".woff2": "font/woff2",
  ".wasm": "application/wasm",
  ".pem": "application/x-pem-file",
  ".crt": "application/x-x509-ca-cert",
};
const COMPRESSIBLE = /^(text\/|application\/(json|manifest\+json|wasm|x-pem-file)|image\/svg\+xml)/;
/** Below this, compression saves less than its own headers cost. */
const MIN_COMPRESS_BYTES = 256;
/** Decompressing a stored `.gz`/`.br` whose base file is missing: never inflate past this. */
const MAX_INFLATED_BYTES = 4 * 1024 * 1024;

function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? "application/octet-stream";
}

function etagOf(body: Buffer): string {
  return `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
}

function variant(encoding: Encoding, body: Buffer): Variant {
  return { encoding, body, etag: etagOf(body) };
}

function compress(encoding: Exclude<Encoding, "identity">, body: Buffer): Buffer {
  return encoding === "gzip"
    ? gzipSync(body, { level: 9 })
    : brotliCompressSync(body, {
        params: {
          [zlibConstants.BROTLI_PARAM_QUALITY]: zlibConstants.BROTLI_MAX_QUALITY,
          [zlibConstants.BROTLI_PARAM_SIZE_HINT]: body.length,
        },
      });
}

function inflate(encoding: Exclude<Encoding, "identity">, body: Buffer): Buffer {
  return encoding === "gzip"
    ? gunzipSync(body, { maxOutputLength: MAX_INFLATED_BYTES })
    : brotliDecompressSync(body, { maxOutputLength: MAX_INFLATED_BYTES });
}

/** Regular files under `dir` (symlinks and special files are skipped), as `/`-separated relative paths. */
async function listFiles(dir: string, limits: StaticSiteLimits): Promise<string[]> {
  const found: string[] = [];
  const walk = async (rel: string, depth: number): Promise<void> => {
    if (depth > limits.maxDepth)
      throw new Error(`UI directory ${dir} is nested deeper than ${limits.maxDepth} levels`);
    const entries: Dirent[] = await readdir(join(dir, rel), { withFileTypes: true });
    for (const entry of entries) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(child, depth + 1);
      else if (entry.isFile()) found.push(child);
      if (found.length > limits.maxFiles)
        throw new Error(`UI directory ${dir} holds more than ${limits.maxFiles} files`);
    }
  };
  await walk("", 0);
  return found.sort();
}

export interface LoadStaticOptions {
  /** The built UI; null or a missing directory (when `required` is false) serves only the fallback page. */
  dir: string | null;
  /**
   * Fail when `dir` does not exist (an explicit --ui-dir), instead of falling back.
   * @default false
   */
  required?: boolean;
  /** The page served as index.html when the directory has none. */
  fallbackHtml: () => string;
  /**
   * Compress at load what has no stored `.gz`/`.br` twin.
   * @default true
   */
  compressMissing?: boolean;
  /** @default DEFAULT_STATIC_LIMITS (given fields override) */
  limits?: Partial<StaticSiteLimits>;
  logger: Logger;
}

/** URL path → key in the file map; null for anything that cannot name a file of the site. */
export function pathKey(urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return null;
  const segments = decoded.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) return null;
  return segments.join("/");
}

/**
 * The UI held in memory: every file of the UI directory with its encodings, loaded once at start
 * (the UI is small and this is a device — no disk reads per request, and nothing outside the
 * directory can ever be reached because only loaded files exist here).
 */
export class StaticSite {
  private constructor(
    readonly files: ReadonlyMap<string, StaticFile>,
    readonly index: StaticFile,
    /** Where index.html came from, for the start-up log and /api/about. */
    readonly source: "directory" | "fallback",
  ) {}

  static async load(opts: LoadStaticOptions): Promise<StaticSite> {
    const limits = { ...DEFAULT_STATIC_LIMITS, ...opts.limits };
    const log = opts.logger.child({ tag: "web" });
    const compressMissing = opts.compressMissing ?? true;
    const raw = new Map<string, Buffer>();
    if (opts.dir) {
      const exists = await stat(opts.dir).then(
        (s) => s.isDirectory(),
        () => false,
      );
      if (!exists && opts.required)
        throw new Error(`UI directory ${opts.dir} does not exist or is not a directory`);
      if (exists) {
        let total = 0;
        for (const rel of await listFiles(opts.dir, limits)) {
          const body = await readFile(join(opts.dir, rel));
          total += body.length;
          if (total > limits.maxTotalBytes) {
            throw new Error(`UI directory ${opts.dir} holds more than ${limits.maxTotalBytes} bytes`);
          }
          raw.set(rel, body);
        }
      }
    }

    const files = new Map<string, StaticFile>();
    // `app.js.gz` and `app.js.br` are encodings of `app.js`, never files of their own.
    const bases = new Set([...raw.keys()].map((rel) => rel.replace(/\.(gz|br)$/, "")));
    for (const base of bases) {
      const variants = new Map<Encoding, Variant>();
      for (const encoding of ["br", "gzip"] as const) {
        const stored = raw.get(`${base}${SUFFIX[encoding]}`);
        if (stored) variants.set(encoding, variant(encoding, stored));
      }
      let identity = raw.get(base);
      if (!identity) {
        // Only a compressed copy is stored (as on a flash image): inflate it once for clients without that encoding.
        const [encoding, stored] = [...variants.entries()][0]!;
        try {
          identity = inflate(encoding as Exclude<Encoding, "identity">, stored.body);
        } catch (err) {
          log.warn(
            { file: `${base}${SUFFIX[encoding as "br" | "gzip"]}` },
            `skipping a damaged compressed file: ${(err as Error).message}`,
          );
          continue;
        }
      }
      addFile(files, base, identity, variants, compressMissing);
    }

    let source: "directory" | "fallback" = "directory";
    if (!files.has("index.html")) {
      source = "fallback";
      addFile(files, "index.html", Buffer.from(opts.fallbackHtml()), new Map(), compressMissing);
      log.info(
        { dir: opts.dir },
        opts.dir && raw.size > 0
          ? "the UI directory has no index.html; serving the fallback page at /"
          : "no built UI found; serving the fallback page at /",
      );
    } else {
      log.info({ dir: opts.dir, files: files.size }, "device UI loaded");
    }
    return new StaticSite(files, files.get("index.html")!, source);
  }

  /** The file for a URL path; anything that is not a file is the app's index (client-side routes). */
  resolve(urlPath: string): { file: StaticFile; isIndex: boolean } {
    const key = pathKey(urlPath);
    const file = key ? this.files.get(key) : undefined;
    return file && file !== this.index ? { file, isIndex: false } : { file: this.index, isIndex: true };
  }
}

/**
 * A file at least this large is held only compressed when it has a compressed variant: the plain bytes
 * are inflated per request for the rare client that asks for none (curl without --compressed). The
 * API explorer's bundle alone is 1.7 MB plain against 0.8 MB as gzip + br.
 */
const HOLD_COMPRESSED_BYTES = 16 * 1024;

function inflatesTo(from: Variant, identity: Buffer): boolean {
  try {
    return inflate(from.encoding as Exclude<Encoding, "identity">, from.body).equals(identity);
  } catch {
    return false;
  }
}

/** The identity variant of a large file, inflated from a compressed one whenever its bytes are read. */
function inflatedIdentity(identity: Buffer, from: Variant): Variant {
  const etag = etagOf(identity);
  const length = identity.length;
  const encoding = from.encoding as Exclude<Encoding, "identity">;
  const source = from.body;
  return {
    encoding: "identity",
    etag,
    get body(): Buffer {
      return encoding === "gzip"
        ? gunzipSync(source, { maxOutputLength: length })
        : brotliDecompressSync(source, { maxOutputLength: length });
    },
  };
}

function addFile(
  files: Map<string, StaticFile>,
  path: string,
  identity: Buffer,
  variants: Map<Encoding, Variant>,
  compressMissing: boolean,
): void {
  const contentType = contentTypeOf(path);
  const stored = new Set(variants.keys());
  if (compressMissing && identity.length >= MIN_COMPRESS_BYTES && COMPRESSIBLE.test(contentType)) {
    for (const encoding of ["br", "gzip"] as const) {
      if (variants.has(encoding)) continue;
      const body = compress(encoding, identity);
      if (body.length < identity.length) variants.set(encoding, variant(encoding, body));
    }
  }
  // gzip inflates faster than brotli. A stored twin must inflate to the very bytes of its base file
  // (a stale .gz beside a rebuilt file would not): checked once here, else the plain bytes stay held.
  const from = variants.get("gzip") ?? variants.get("br");
  const holdCompressed =
    from !== undefined &&
    identity.length >= HOLD_COMPRESSED_BYTES &&
    (!stored.has(from.encoding) || inflatesTo(from, identity));
  variants.set("identity", holdCompressed ? inflatedIdentity(identity, from) : variant("identity", identity));
  files.set(path, {
    path,
    contentType,
    sha256: createHash("sha256").update(identity).digest("hex"),
    variants,
  });
}

/**
 * Picks the encoding for an Accept-Encoding header (RFC 9110 §12.5.3): the highest q-value among
 * what we have, ties broken by size. When nothing acceptable is available the answer is identity
 * rather than a 406, since every client can read it.
 */
export function negotiateEncoding(header: string | undefined, available: Iterable<Encoding>): Encoding {
  const have = new Set(available);
  if (!header) return "identity";
  const q = new Map<string, number>();
  for (const part of header.split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    if (!name) continue;
    let weight = 1;
    for (const param of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(param);
      if (m) weight = Number(m[1]);
    }
    if (!Number.isFinite(weight) || weight < 0 || weight > 1) continue;
    q.set(name === "x-gzip" ? "gzip" : name, weight);
  }
  const star = q.get("*");
  // Unlisted identity stays acceptable (RFC 9110) but ranks below anything the client did list.
  const IMPLICIT_IDENTITY = 0.001;
  const weightOf = (enc: Encoding): number =>
    q.get(enc) ?? (enc === "identity" ? (star === 0 ? 0 : (star ?? IMPLICIT_IDENTITY)) : (star ?? 0));
  let best: Encoding = "identity";
  let bestQ = 0;
  for (const enc of PREFERENCE) {
    if (!have.has(enc)) continue;
    const w = weightOf(enc);
    if (w > bestQ) {
      best = enc;
      bestQ = w;
    }
  }
  return best;
}

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2): `W/` prefixes are ignored. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, "");
  return ifNoneMatch.split(",").some((tag) => tag.trim() === "*" || bare(tag) === etag);
}

/** Stable file names change content on update, so only a `?v=<sha256 prefix>` URL may be cached for good. */
const VERSIONED_CACHE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";
const MIN_VERSION_CHARS = 8;

function cacheControlFor(file: StaticFile, isIndex: boolean, query: string): string {
  if (isIndex) return REVALIDATE;
  const v = new URLSearchParams(query).get("v")?.toLowerCase();
  return v && v.length >= MIN_VERSION_CHARS && file.sha256.startsWith(v) ? VERSIONED_CACHE : REVALIDATE;
}

/** GET/HEAD handler for every non-API path. */
export function serveStatic(site: StaticSite, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const [path = "/", query = ""] = req.url.split("?", 2);
  const { file, isIndex } = site.resolve(path);
  const encoding = negotiateEncoding(req.headers["accept-encoding"], file.variants.keys());
  const chosen = file.variants.get(encoding)!;
  reply.header("Cache-Control", cacheControlFor(file, isIndex, query));
  reply.header("ETag", chosen.etag);
  if (file.variants.size > 1) reply.header("Vary", "Accept-Encoding");
  if (etagMatches(req.headers["if-none-match"], chosen.etag)) return reply.code(304).send();
  if (encoding !== "identity") reply.header("Content-Encoding", encoding);
  return reply.code(200).type(file.contentType).send(chosen.body);
}
