/**
 * Which account a call or SMS belongs to: the one whose number it uses. That number is the
 * caller of an outbound call, of an SMS sent and of a forwarded leg (placed from the
 * account's number to an external one), and the called number of an inbound call or of an
 * SMS received. The account must hold the number when the record started: acquired at or
 * before that moment and not yet released. Anything else is another account's usage (or
 * nobody's) and is never rated or allowed.
 */

export interface UsageSides {
  kind: "call" | "sms";
  direction: "outbound" | "inbound";
  forwarded: boolean;
  from: string;
  to: string;
}

/** One period during which an account held a number (times in epoch milliseconds). */
export interface HeldNumber {
  country: string;
  acquiredAt: number;
  releasedAt: number | null;
}

/** The side of the record that must be one of the account's numbers. */
export function ownSide(usage: Omit<UsageSides, "from" | "to">): "from" | "to" {
  const forwardedLeg = usage.kind === "call" && usage.forwarded;
  return usage.direction === "inbound" && !forwardedLeg ? "to" : "from";
}

/** The period of `periods` that covers `at`, or null when the number was not held then. */
export function heldAt(periods: readonly HeldNumber[] | undefined, at: number): HeldNumber | null {
  return periods?.find((p) => p.acquiredAt <= at && (p.releasedAt === null || p.releasedAt > at)) ?? null;
}

/** Why a record or call is refused: which number is not the account's, and what the rule is. */
export function notOwnNumber(usage: UsageSides, slug: string, when: "started" | "now"): string {
  const side = ownSide(usage);
  const what =
    usage.kind === "sms" ? `an ${usage.direction} SMS` : usage.forwarded ? "a forwarded leg" : `an ${usage.direction} call`;
  const moment = when === "now" ? "" : usage.kind === "sms" ? " when the SMS was sent" : " when the call started";
  const rule = side === "from" ? "must come from" : "must go to";
  return `${side} ${usage[side]} is not a number of account ${slug}${moment}: ${what} ${rule} one of the account's numbers`;
}
