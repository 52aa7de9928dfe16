import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { formatMoney } from "@/lib/money";
import { rateTables } from "./tables";

/**
 * Call authorization: outbound calls, forwarded legs and inbound calls to toll-free
 * numbers need a balance above zero; other inbound calls always go through. One indexed
 * read (the account by slug, its balance and rate card); prefixes come from memory.
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
}

export async function authorizeCall(db: Executor, request: AuthorizeRequest): Promise<Authorization> {
  const result = await db.execute(sql`
    select a.id, a.currency, b.balance,
           coalesce(s.rate_card_id, (select c.id from rate_cards c where c.currency = a.currency order by c.code limit 1)) as rate_card_id
    from accounts a
    left join credit_balances b on b.account_id = a.id
    left join subscriptions s on s.account_id = a.id
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
