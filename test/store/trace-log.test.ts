import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  parseTraceLog,
  readTraceLog,
  type TraceIo,
  TraceLog,
  TraceWriteError,
} from "../../src/store/trace-log.js";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "owts-trace-"));
  dirs.push(d);
  return d;
}

/** A disk that takes `room` bytes and then answers ENOSPC, as a full SD card does. */
function fullDisk(room: number): TraceIo & { synced: number } {
  let used = 0;
  const io = {
    synced: 0,
    async open() {
      return {
        async write(buf: Uint8Array, off = 0, len = buf.length - off) {
          if (used + len > room) throw Object.assign(new Error("no space"), { code: "ENOSPC" });
          used += len;
          return { bytesWritten: len, buffer: buf };
        },
        async datasync() {
          io.synced++;
        },
        async close() {},
      };
    },
  };
  return io as unknown as TraceIo & { synced: number };
}

describe("trace log (checksummed batches)", () => {
  it("writes batches, one sync each, and reads back exactly the lines", async () => {
    const file = join(await tmp(), "a.csv");
    const log = new TraceLog({ file });
    for (let i = 0; i < 10; i++) log.append(`${i * 200},${i}.0`);
    await log.flush();
    log.append("# ev 2000 link stale");
    await log.close();
    expect(log.batches).toBe(2);
    const back = await readTraceLog(file);
    expect(back.lines).toHaveLength(11);
    expect(back.lines[10]).toBe("# ev 2000 link stale");
    expect(back.torn_bytes).toBe(0);
    expect(log.bytes).toBe((await readFile(file)).length);
  });

  it("a batch torn by a power cut (any prefix of it) is dropped, every earlier batch kept", async () => {
    const file = join(await tmp(), "b.csv");
    const log = new TraceLog({ file });
    log.append("0,1.0");
    log.append("200,2.0");
    await log.flush();
    const first = (await readFile(file, "utf8")).length;
    log.append("400,3.0");
    log.append("600,4.0");
    await log.close();
    const text = await readFile(file, "utf8");
    for (let cut = first; cut < text.length; cut++) {
      const r = parseTraceLog(text.slice(0, cut));
      expect(r.lines).toEqual(["0,1.0", "200,2.0"]);
      expect(r.torn_bytes).toBe(cut - first);
    }
    expect(parseTraceLog(text).lines).toHaveLength(4);
    // A flipped digit inside a verified batch fails its checksum: that batch and all after it go.
    const flipped = text.replace("400,3.0", "400,9.0");
    expect(parseTraceLog(flipped).lines).toEqual(["0,1.0", "200,2.0"]);
  });

  it("a full disk stops the log with a named error; what was synced before stays readable", async () => {
    const io = fullDisk(60);
    const log = new TraceLog({ file: "/nonexistent/never-opened-for-real", io });
    log.append("0,1.0");
    await log.flush();
    log.append("x".repeat(100));
    await expect(log.flush()).rejects.toBeInstanceOf(TraceWriteError);
    expect(log.failed?.code).toBe("ENOSPC");
    log.append("more");
    expect(log.buffered).toBe(0); // refused quietly once failed
    await log.close();
    expect(io.synced).toBe(1);
  });

  it("refuses a line with a newline (it would forge a batch boundary)", async () => {
    const log = new TraceLog({ file: join(await tmp(), "c.csv") });
    expect(() => log.append("1,2\n#crc 1 00000000")).toThrow(RangeError);
  });

  it("a file that is not a trace at all reads as nothing verified", async () => {
    const file = join(await tmp(), "d.csv");
    await writeFile(file, "t_ms,ias_kmh\n0,1\n");
    expect((await readTraceLog(file)).lines).toEqual([]);
  });
});
