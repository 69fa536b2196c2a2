/**
 * Why a well-formed frame was not trusted by a winch that has at least one pairing: `bad_mac` — the
 * key id is paired but the MAC does not verify (forged or damaged); `replay` — genuine, but its
 * counter is not above the last one accepted for that key; `unknown_key` — a key id this winch is not
 * paired with; `unpaired` — a frame without any key id (a unit that signs nothing).
 */
export const AUTH_REJECT_REASONS = ["bad_mac", "replay", "unknown_key", "unpaired"] as const;
export type AuthRejectReason = (typeof AUTH_REJECT_REASONS)[number];

export function emptyRejectCounts(): Record<AuthRejectReason, number> {
  return { bad_mac: 0, replay: 0, unknown_key: 0, unpaired: 0 };
}
