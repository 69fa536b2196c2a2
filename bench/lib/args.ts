import { parseArgs } from "node:util";

export interface BenchArgs {
  /** Short runs (CI, a quick look): the same cases with less time and fewer rounds. */
  quick: boolean;
  /** Seconds per measured case; the bench's own default unless given. */
  seconds: number | undefined;
}

/** The flags every bench in this folder takes: `--quick` and `--seconds N`. */
export function benchArgs(usage: string): BenchArgs {
  try {
    const { values } = parseArgs({
      options: {
        quick: { type: "boolean", default: false },
        seconds: { type: "string" },
        help: { type: "boolean" },
      },
      strict: true,
    });
    if (values.help) {
      console.log(usage);
      process.exit(0);
    }
    const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
    if (seconds !== undefined && !(seconds > 0 && seconds <= 600))
      throw new Error("--seconds must be in (0, 600]");
    return { quick: values.quick, seconds };
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    process.exit(2);
  }
}
