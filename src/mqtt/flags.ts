import { DEFAULT_MQTT_PREFIX, resolveMqttConfig } from "./config.js";
import type { MqttSettings } from "./settings.js";

/** The MQTT flags of `owts start` / `owts demo` as parsed (each also an OWTS_* variable). */
export interface MqttFlagValues {
  url?: string | undefined;
  user?: string | undefined;
  passwordFile?: string | undefined;
  caFile?: string | undefined;
  prefix?: string | undefined;
  noDiscovery?: boolean | undefined;
}

const FLAG_OF: Record<string, string> = {
  "/url": "--mqtt",
  "/user": "--mqtt-user",
  "/password_file": "--mqtt-password-file",
  "/ca_file": "--mqtt-ca",
  "/prefix": "--mqtt-prefix",
};

export type FlagsResult = { ok: true; patch: Partial<MqttSettings> } | { ok: false; line: string };

/**
 * The one check of the MQTT flags that reads no file: a connection flag given without `--mqtt`. `owts
 * service install` applies it to the flags it bakes in; the rest waits for the start, which reads the files.
 */
export function orphanMqttFlag(f: MqttFlagValues): string | undefined {
  if (f.url !== undefined) return undefined;
  const orphan = (
    [
      ["--mqtt-user", f.user],
      ["--mqtt-password-file", f.passwordFile],
      ["--mqtt-ca", f.caFile],
      ["--mqtt-prefix", f.prefix],
    ] as const
  ).find(([, v]) => v !== undefined);
  return orphan ? `${orphan[0]} needs --mqtt URL` : undefined;
}

/**
 * Reads the password and CA files and checks everything, so a bad flag stops the start with one line
 * (exit 2) instead of a device that silently never connects. The result is stored like `--mode`:
 * flags given now replace the stored MQTT settings; none given keeps them.
 */
export async function mqttSettingsFromFlags(f: MqttFlagValues): Promise<FlagsResult> {
  if (f.url === undefined) {
    const orphan = orphanMqttFlag(f);
    if (orphan) return { ok: false, line: orphan };
    return { ok: true, patch: f.noDiscovery ? { discovery: false } : {} };
  }
  const r = await resolveMqttConfig({
    url: f.url,
    user: f.user,
    passwordFile: f.passwordFile,
    caFile: f.caFile,
    prefix: f.prefix,
    discovery: !f.noDiscovery,
  });
  if (!r.ok)
    return {
      ok: false,
      line: r.problems.map((p) => `${FLAG_OF[p.field] ?? p.field}: ${p.message}`).join("; "),
    };
  const c = r.config;
  return {
    ok: true,
    patch: {
      enabled: true,
      url: f.url,
      user: c.user,
      password: c.password,
      ca_pem: c.caPem,
      prefix: f.prefix ?? DEFAULT_MQTT_PREFIX,
      discovery: c.discovery,
    },
  };
}
