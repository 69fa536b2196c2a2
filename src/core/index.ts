/**
 * Core: what every layer shares — the logger type, clocks, field problems, speed units, the seeded
 * PRNG, the device mode, memory figures and the API error envelope. The bottom layer: it imports
 * nothing from `src/` (only pino's types and TypeBox) and no `node:` module, so everything — the UI
 * included — may import it.
 */
export * from "./api-error.js";
export * from "./clock.js";
export * from "./launch-phase.js";
export type * from "./logger.js";
export type * from "./memory.js";
export * from "./mode.js";
export * from "./prng.js";
export * from "./problems.js";
export * from "./units.js";
