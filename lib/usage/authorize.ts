import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { formatMoney } from "@/lib/money";
import { notOwnNumber, ownSide } from "./ownership";
import { rateTables } from "./tables";

/**
 * Call authorization: a call must use a number the account holds now (`from` for outbound
 * calls and forwarded legs, `to` for inbound calls); outbound calls, forwarded legs and
 * inbound calls to toll-free numbers need a balance above zero; other inbound calls on the
 * account's numbers always go through. One indexed read (the account by slug, whether it
 * holds the number, its balance and rate card); prefixes come from memory.
 */

const e164 = z.string().regex(/^\+[1-9][0-9]{6,14}$/, "must be an E.164 number such as +4930123456");

export const authorizeSchema = z.object({
  account: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, "must be an account slug"),
  direction: z.enum(["outbound", "inbound"], { message: "must be outbound or inbound" }),
  from: e164,
  to: e164,
  forwarded: z.boolean().default(false),
});
export type AuthorizeRequest = z.output<typeof authorizeSchema>;

export type Authorization =
  | { found: false }
  | { found: true; allowed: boolean; reason: string; balance: number; currency: string };

interface Row {
  id: string;
  currency: string;
  balance: string | number | null;
  rate_card_id: string | null;
  holds_number: boolean;
}

export async function authorizeCall(db: Executor, request: AuthorizeRequest): Promise<Authorization> {
  const usage = { ...request, kind: "call" as const };
  const ownNumber = usage[ownSide(usage)];
  const result = await db.execute(sql`
    select a.id, a.currency, b.balance,
           coalesce(s.rate_card_id, (select c.id from rate_cards c where c.currency = a.currency order by c.code limit 1)) as rate_card_id,
           held.number is not null as holds_number
    from accounts a
    left join credit_balances b on b.account_id = a.id
    left join subscriptions s on s.account_id = a.id
    -- A lateral probe keeps this an index lookup (an EXISTS may be planned as a scan of every number).
    left join lateral (
      select n.e164 as number from phone_numbers n
      where n.account_id = a.id and n.e164 = ${ownNumber}
        and n.acquired_at <= now() and (n.released_at is null or n.released_at > now())
      limit 1) held on true
    where a.slug = ${request.account}`);
  const row = (result as unknown as { rows: Row[] }).rows[0];
  if (!row) return { found: false };
  const balance = Number(row.balance ?? 0);
  const money = formatMoney(balance, row.currency);
  const verdict = (allowed: boolean, reason: string): Authorization => ({
    found: true,
    allowed,
    reason,
    balance,
    currency: row.currency,
  });

  if (!row.holds_number) return verdict(false, notOwnNumber(usage, request.account, "now"));

  const tables = row.rate_card_id ? await rateTables(db, row.rate_card_id) : null;
  let needsCredit: string | null;
  if (request.direction === "inbound" && !request.forwarded) {
    if (!tables?.callInboundTollFree.match(request.to)) return verdict(true, "inbound calls are free");
    needsCredit = "inbound calls to toll-free numbers";
  } else {
    if (!tables?.callOutbound.match(request.to)) return verdict(false, `no rate for destination ${request.to}`);
    needsCredit = request.forwarded ? "forwarded calls" : "outbound calls";
  }
  return balance > 0
    ? verdict(true, `balance ${money} is above zero`)
    : verdict(false, `${needsCredit} need a balance above zero; the balance is ${money}: add credit or turn on auto top-up`);
}
