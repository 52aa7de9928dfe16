import { and, eq, gt, isNull, lte, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "@/db/client";
import { accounts, creditBalances, phoneNumbers, rateCards, subscriptions } from "@/db/schema";
import { formatMoney } from "@/lib/money";
import { fail, ok, type Result } from "@/lib/result";
import { notOwnNumber, ownSide } from "./ownership";
import { rateTables } from "./tables";

/**
 * Call authorization: a call must use a number the account holds now (`from` for outbound
 * calls and forwarded legs, `to` for inbound calls); outbound calls, forwarded legs and
 * inbound calls to toll-free numbers need a balance above zero; other inbound calls on the
 * account's numbers always go through, until the subscription ends. One indexed read (the account by slug, whether it
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

/** The answer for a known account; a call that may not start is an answer too, not a failure. */
export interface Authorization {
  allowed: boolean;
  reason: string;
  balance: number;
  currency: string;
}

/**
 * The one read, prepared once per connection: planning it cost more than running it (an
 * account, its balance, its rate card and a probe of its numbers by index).
 */
function accountLookup(db: Database) {
  const held = db
    .select({ number: phoneNumbers.e164 })
    .from(phoneNumbers)
    .where(
      and(
        eq(phoneNumbers.accountId, accounts.id),
        eq(phoneNumbers.e164, sql.placeholder("number")),
        lte(phoneNumbers.acquiredAt, sql`now()`),
        or(isNull(phoneNumbers.releasedAt), gt(phoneNumbers.releasedAt, sql`now()`)),
      ),
    )
    .limit(1)
    .as("held");
  return db
    .select({
      currency: accounts.currency,
      balance: creditBalances.balance,
      rateCardId: sql<string | null>`coalesce(${subscriptions.rateCardId},
        (select c.id from ${rateCards} c where c.currency = ${accounts.currency} order by c.code limit 1))`,
      holdsNumber: sql<boolean>`${held.number} is not null`,
      subscriptionStatus: subscriptions.status,
    })
    .from(accounts)
    .leftJoin(creditBalances, eq(creditBalances.accountId, accounts.id))
    .leftJoin(subscriptions, eq(subscriptions.accountId, accounts.id))
    // A lateral probe keeps the number an index lookup (an EXISTS may be planned as a scan).
    .leftJoinLateral(held, sql`true`)
    .where(eq(accounts.slug, sql.placeholder("slug")))
    .prepare("authorize_account_lookup");
}

const lookups = new WeakMap<Database, ReturnType<typeof accountLookup>>();

/** May this call start? Fails only for an account slug that is not known. */
export async function authorizeCall(db: Database, request: AuthorizeRequest): Promise<Result<Authorization>> {
  const usage = { ...request, kind: "call" as const };
  let lookup = lookups.get(db);
  if (!lookup) lookups.set(db, (lookup = accountLookup(db)));
  const [row] = await lookup.execute({ slug: request.account, number: usage[ownSide(usage)] });
  if (!row) return fail("not_found", `unknown account ${request.account}`);
  const balance = row.balance ?? 0;
  const money = formatMoney(balance, row.currency);
  const verdict = (allowed: boolean, reason: string): Result<Authorization> => ok({ allowed, reason, balance, currency: row.currency });

  if (!row.holdsNumber) return verdict(false, notOwnNumber(usage, request.account, "now"));
  if (row.subscriptionStatus === "canceled") return verdict(false, "the account's subscription has ended");

  const tables = row.rateCardId ? await rateTables(db, row.rateCardId) : null;
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
