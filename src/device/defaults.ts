/**
 * The device's defaults (ports, address, data directory, key type, log level), in a module that
 * imports nothing at run time: the CLI shows and applies them without loading the server stack,
 * so that `--help` and a bad flag answer at once. device.ts and logger.ts apply them.
 */

/** The standard HTTPS port, so that a phone needs no port in the URL. */
export const DEFAULT_HTTPS_PORT = 443;
/** The standard HTTP port, where a browser typing the bare hostname arrives and is redirected. */
export const DEFAULT_HTTP_PORT = 80;
/** Every IPv4 address: a unit serves its SoftAP and any network it joined. */
export const DEFAULT_LISTEN = "0.0.0.0";
/** Settings, certificate and key, relative to the working directory. */
export const DEFAULT_DATA_DIR = ".owts-data";
/** Key type for a newly generated device key; declared beside the key code, which applies it. */
export { DEFAULT_KEY_TYPE } from "../certs/key-type.js";

/** The levels a device log can be set to (pino's names). */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
/** The level a device logs at unless told otherwise. */
export const DEFAULT_LOG_LEVEL = "info";
