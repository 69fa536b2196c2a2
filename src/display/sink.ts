import type { DisplayContent } from "./content.js";

/**
 * One physical display. The runner calls `show` at most 10 times a second with the current content
 * and the time; a sink compares with what it last put out and sends only the difference (nothing
 * at all when the picture is the same). Any method may throw on a bus error: the runner reports it,
 * closes the sink and opens it again later.
 */
export interface DisplaySink {
  readonly name: DisplayName;
  open(): Promise<void>;
  show(content: DisplayContent, now_ms: number): Promise<void>;
  close(): Promise<void>;
}

export const DISPLAY_NAMES = ["oled", "ws2812", "tty"] as const;
export type DisplayName = (typeof DISPLAY_NAMES)[number];
