import type { FastifyInstance } from "fastify";
import { ApiError } from "../core/api-error.js";
import { BODY_LIMIT } from "./body-rules.js";

/**
 * The first key that appears twice in one object of a JSON text, or null. `JSON.parse` silently keeps
 * the last of them, so `{"password":"x…","password":null}` would clear a password the first key
 * seemed to set; a body that says two things is refused instead. Only looks at structure: a text that
 * is not JSON returns null and is reported by the parser.
 */
export function duplicateJsonKey(text: string): string | null {
  // One frame per open object or array; `keys` is null for arrays.
  const stack: { keys: Set<string> | null; expectKey: boolean }[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      const top = stack.at(-1);
      if (top?.keys && top.expectKey) {
        let key: string;
        try {
          key = JSON.parse(text.slice(i, j + 1)) as string;
        } catch {
          return null;
        }
        if (top.keys.has(key)) return key;
        top.keys.add(key);
        top.expectKey = false;
      }
      i = j;
    } else if (c === "{") stack.push({ keys: new Set(), expectKey: true });
    else if (c === "[") stack.push({ keys: null, expectKey: false });
    else if (c === "}" || c === "]") stack.pop();
    else if (c === ",") {
      const top = stack.at(-1);
      if (top?.keys) top.expectKey = true;
    }
  }
  return null;
}

/**
 * `application/json` bodies through Fastify's own parser (with its prototype-poisoning checks), after
 * two refusals of ours: a compressed body (415: the device does not inflate what a client sends, which
 * would bypass the body limit) and a body naming one key twice (400).
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser(
    "application/json",
    { parseAs: "string", bodyLimit: BODY_LIMIT },
    (req, body, done) => {
      const encoding = req.headers["content-encoding"];
      if (encoding !== undefined && encoding.trim().toLowerCase() !== "identity") {
        done(
          new ApiError(
            415,
            "unsupported_media_type",
            `request bodies must be sent uncompressed (got Content-Encoding: ${String(encoding).slice(0, 40)})`,
          ),
          undefined,
        );
        return;
      }
      const text = String(body);
      const twice = duplicateJsonKey(text);
      if (twice !== null) {
        done(
          new ApiError(
            400,
            "bad_request",
            `the request body names ${JSON.stringify(twice.slice(0, 60))} more than once; send each field once`,
          ),
          undefined,
        );
        return;
      }
      parse(req, text, done);
    },
  );
}
