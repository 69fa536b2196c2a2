/** CONNACK codes that mean "your credentials", in 3.1.1 (4, 5) and 5 (134, 135). */
const REFUSED_CREDENTIALS = new Set([4, 134]);
const REFUSED_NOT_AUTHORIZED = new Set([5, 135]);
/** "Unacceptable protocol version" (3.1.1) / "Unsupported protocol version" (5): try MQTT 3.1.1. */
export const UNSUPPORTED_PROTOCOL = new Set([1, 132]);

/** Why the broker is not reachable, in words a club member can act on, and whether to back off long. */
export interface ExplainedError {
  text: string;
  /** The broker refused us on purpose (credentials, authorisation): retrying fast will not help. */
  refused: boolean;
}

/**
 * Turns what Node, TLS and MQTT.js report into one sentence. Never includes the password: none of these
 * messages carries it, and the broker is named only by host and port.
 */
export function explainMqttError(err: unknown, broker: string, connectTimeoutMs: number): ExplainedError {
  const e = err as NodeJS.ErrnoException & { code?: string | number };
  const code = e?.code;
  if (typeof code === "number") {
    if (REFUSED_CREDENTIALS.has(code))
      return { text: `${broker} refused the user name or password`, refused: true };
    if (REFUSED_NOT_AUTHORIZED.has(code))
      // Mosquitto answers a wrong password with this one too.
      return { text: `${broker} refused the user name or password (not authorised)`, refused: true };
    if (UNSUPPORTED_PROTOCOL.has(code))
      return { text: `${broker} does not speak this MQTT version`, refused: false };
    return {
      text: `${broker} refused the connection: ${e.message.replace(/^Connection refused: /, "")}`,
      refused: code === 138,
    };
  }
  switch (code) {
    case "ECONNREFUSED":
      return { text: `nothing accepts connections at ${broker} (connection refused)`, refused: false };
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return { text: `the broker's host name in ${broker} could not be resolved`, refused: false };
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return { text: `${broker} cannot be reached from this network`, refused: false };
    case "ECONNRESET":
    case "EPIPE":
      return { text: `${broker} dropped the connection`, refused: false };
    case "ETIMEDOUT":
      return { text: `${broker} did not answer (TCP timeout)`, refused: false };
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
      return {
        text: `the certificate of ${broker} is not trusted; give its CA with --mqtt-ca`,
        refused: true,
      };
    case "CERT_HAS_EXPIRED":
      return { text: `the certificate of ${broker} has expired`, refused: true };
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return { text: `the certificate of ${broker} is not made for this host name`, refused: true };
  }
  const message = e instanceof Error ? e.message : String(err);
  if (message === "connack timeout")
    return {
      text: `${broker} accepted the connection but did not answer within ${Math.round(connectTimeoutMs / 1000)} s`,
      refused: false,
    };
  if (message === "Keepalive timeout")
    return { text: `${broker} stopped answering (keepalive timeout)`, refused: false };
  if (/wrong version number|packet length too long|unknown protocol/i.test(message))
    return { text: `${broker} does not speak TLS on this port (use mqtt:// or the TLS port)`, refused: true };
  return { text: `${broker}: ${message}`, refused: false };
}
