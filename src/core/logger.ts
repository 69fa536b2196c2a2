/**
 * The logger every layer writes to. Only the type lives here: the device's set-up
 * (`src/device/logger.ts`) decides where lines go, so a module never knows whether it is talking to
 * the RAM ring, the console or a test's silent sink.
 */
export type { Logger } from "pino";
