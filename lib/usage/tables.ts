import { eq } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { rates } from "@/db/schema";
import { PrefixTable, type RateEntry, type RateTables } from "./rating";

/**
 * Rate tables per rate card, kept in memory: rating and call authorization look up
 * prefixes without a query. Rate cards change rarely; an entry is reloaded after a minute.
 */

const TTL_MS = 60_000;
const cache = new Map<string, { tables: Promise<RateTables>; loadedAt: number }>();

async function loadRateTables(db: Executor, rateCardId: string): Promise<RateTables> {
  const rows = await db
    .select({
      kind: rates.kind,
      prefix: rates.prefix,
      country: rates.country,
      destinationType: rates.destinationType,
      description: rates.description,
      rateMicros: rates.rateMicros,
    })
    .from(rates)
    .where(eq(rates.rateCardId, rateCardId));
  const of = (kind: (typeof rows)[number]["kind"]): RateEntry[] => rows.filter((r) => r.kind === kind);
  return {
    callOutbound: new PrefixTable(of("call_outbound")),
    callInboundTollFree: new PrefixTable(of("call_inbound_toll_free")),
    sms: new PrefixTable(of("sms")),
  };
}

/** The rate card's tables, from memory when loaded in the last minute. */
export function rateTables(db: Executor, rateCardId: string, now = Date.now()): Promise<RateTables> {
  const hit = cache.get(rateCardId);
  if (hit && now - hit.loadedAt < TTL_MS) return hit.tables;
  const tables = loadRateTables(db, rateCardId);
  cache.set(rateCardId, { tables, loadedAt: now });
  tables.catch(() => cache.delete(rateCardId));
  return tables;
}

