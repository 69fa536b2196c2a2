/**
 * The default key type, alone in a module that imports nothing at run time: the CLI shows and
 * applies it (through src/device/defaults.ts) without loading node:crypto or the certificate code.
 */
import type { KeyType } from "./keys.js";

/** Key type for a newly generated device key: ECDSA P-256 (small, fast, every client has it). */
export const DEFAULT_KEY_TYPE: KeyType = "ecdsa";
