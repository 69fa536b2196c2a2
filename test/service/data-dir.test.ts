import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseStartOptions } from "../../src/cli/options.js";

const dir = () => mkdtempSync(join(tmpdir(), "owts-state-"));

describe("the data directory under systemd", () => {
  it("is $STATE_DIRECTORY (its first entry) when neither --data-dir nor OWTS_DATA_DIR is given", () => {
    const state = dir();
    expect(parseStartOptions([], { STATE_DIRECTORY: `${state}:/var/lib/other` })).toMatchObject({
      dataDir: state,
    });
  });

  it("is OWTS_DATA_DIR before $STATE_DIRECTORY, and --data-dir before both", () => {
    const [state, env, flag] = [dir(), dir(), dir()];
    expect(parseStartOptions([], { STATE_DIRECTORY: state, OWTS_DATA_DIR: env })).toMatchObject({
      dataDir: env,
    });
    expect(
      parseStartOptions(["--data-dir", flag], { STATE_DIRECTORY: state, OWTS_DATA_DIR: env }),
    ).toMatchObject({ dataDir: flag });
  });
});
