import { Writable } from "node:stream";

const LETTER: Record<number, string> = { 10: "V", 20: "D", 30: "I", 40: "W", 50: "E", 60: "E" };

/**
 * Turns pino's JSON lines into the ESP-IDF console form, `I (1234) web: message`: level letter,
 * milliseconds since start, tag. People who know the firmware read it at a glance.
 */
export function espStyleStream(out: NodeJS.WritableStream, startedAt = Date.now()): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      try {
        const rec = JSON.parse(chunk.toString()) as {
          level: number;
          time: number;
          tag?: string;
          msg?: string;
        };
        out.write(
          `${LETTER[rec.level] ?? "I"} (${rec.time - startedAt}) ${rec.tag ?? "owts"}: ${rec.msg ?? ""}\n`,
        );
      } catch {
        out.write(chunk);
      }
      done();
    },
  });
}
