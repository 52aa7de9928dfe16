import type { Executor } from "../client";
import { addons, callingPackages, plans, rateCards, rates } from "../schema";

type NewRate = Omit<typeof rates.$inferInsert, "rateCardId">;

const EU_COUNTRIES = ["AT", "BE", "DE", "DK", "ES", "FI", "FR", "GB", "IE", "IT", "NL", "PL", "PT", "SE"];

/** [prefix, country, type, description, outbound micros/min] per destination. */
const CALL_DESTINATIONS: [string, string, "fixed" | "mobile" | "toll_free" | "premium", string, number][] = [
  ["49", "DE", "fixed", "Germany fixed", 12_000],
  ["4915", "DE", "mobile", "Germany mobile", 45_000],
  ["4916", "DE", "mobile", "Germany mobile", 45_000],
  ["4917", "DE", "mobile", "Germany mobile", 45_000],
  ["49800", "DE", "toll_free", "Germany toll-free", 0],
  ["49900", "DE", "premium", "Germany premium", 990_000],
  ["33", "FR", "fixed", "France fixed", 14_000],
  ["336", "FR", "mobile", "France mobile", 52_000],
  ["337", "FR", "mobile", "France mobile", 52_000],
  ["3389", "FR", "premium", "France premium", 800_000],
  ["44", "GB", "fixed", "United Kingdom fixed", 13_000],
  ["447", "GB", "mobile", "United Kingdom mobile", 48_000],
  ["449", "GB", "premium", "United Kingdom premium", 1_200_000],
  ["34", "ES", "fixed", "Spain fixed", 15_000],
  ["346", "ES", "mobile", "Spain mobile", 50_000],
  ["39", "IT", "fixed", "Italy fixed", 16_000],
  ["393", "IT", "mobile", "Italy mobile", 55_000],
  ["31", "NL", "fixed", "Netherlands fixed", 14_000],
  ["316", "NL", "mobile", "Netherlands mobile", 50_000],
  ["43", "AT", "fixed", "Austria fixed", 15_000],
  ["48", "PL", "fixed", "Poland fixed", 18_000],
  ["1", "US", "fixed", "United States", 10_000],
  ["1800", "US", "toll_free", "United States toll-free", 0],
  ["1888", "US", "toll_free", "United States toll-free", 0],
  ["1900", "US", "premium", "United States premium", 1_500_000],
  ["1416", "CA", "fixed", "Canada (Toronto)", 11_000],
  ["1604", "CA", "fixed", "Canada (Vancouver)", 11_000],
  ["52", "MX", "fixed", "Mexico", 60_000],
  ["81", "JP", "fixed", "Japan fixed", 60_000],
  ["8190", "JP", "mobile", "Japan mobile", 140_000],
  ["65", "SG", "fixed", "Singapore", 30_000],
  ["91", "IN", "fixed", "India", 25_000],
  ["852", "HK", "fixed", "Hong Kong", 30_000],
  ["61", "AU", "fixed", "Australia fixed", 40_000],
  ["614", "AU", "mobile", "Australia mobile", 90_000],
  ["55", "BR", "fixed", "Brazil", 70_000],
  ["971", "AE", "fixed", "United Arab Emirates", 180_000],
];

/** [prefix, country, micros per fragment]. */
const SMS_DESTINATIONS: [string, string, number][] = [
  ["49", "DE", 75_000],
  ["33", "FR", 70_000],
  ["44", "GB", 40_000],
  ["34", "ES", 65_000],
  ["39", "IT", 70_000],
  ["31", "NL", 85_000],
  ["1", "US", 10_000],
  ["81", "JP", 80_000],
  ["61", "AU", 50_000],
];

/** Inbound calls to our toll-free numbers, charged per minute: [prefix, country, micros/min]. */
const TOLL_FREE_INBOUND: [string, string, number][] = [
  ["49800", "DE", 60_000],
  ["1800", "US", 25_000],
  ["1888", "US", 25_000],
];

function rateRows(currencyFactor: number): NewRate[] {
  const scale = (micros: number) => Math.round((micros * currencyFactor) / 100) * 100;
  return [
    ...CALL_DESTINATIONS.map(([prefix, country, destinationType, description, micros]) => ({
      kind: "call_outbound" as const,
      prefix,
      country,
      destinationType,
      description,
      rateMicros: scale(micros),
    })),
    ...SMS_DESTINATIONS.map(([prefix, country, micros]) => ({
      kind: "sms" as const,
      prefix,
      country,
      destinationType: "mobile" as const,
      // The destination, as for calls: the rating says "SMS to AU".
      description: country,
      rateMicros: scale(micros),
    })),
    ...TOLL_FREE_INBOUND.map(([prefix, country, micros]) => ({
      kind: "call_inbound_toll_free" as const,
      prefix,
      country,
      destinationType: "toll_free" as const,
      description: `Inbound to toll-free (${country})`,
      rateMicros: scale(micros),
    })),
  ];
}

/** What each plan includes, and the calling packages it allows (null: all of them). */
const ESSENTIAL = {
  features: ["Unlimited inbound calls", "Call recording and call history", "Business hours and voicemail", "Email support"],
  allowedPackageCodes: ["domestic", "europe", "north-america"],
};
const EXPERT = {
  features: ["Everything in Essential", "Call queues and skills-based routing", "Supervisor whisper and barge", "Every calling package, Asia included", "Priority support"],
  allowedPackageCodes: null,
};

export interface CatalogIds {
  plan: Record<string, string>;
  pkg: Record<string, string>;
  addon: Record<string, string>;
  rateCard: Record<string, string>;
}

const key = (code: string, currency: string, interval?: string) =>
  [code, currency, interval].filter(Boolean).join(":");

/** The product catalogue in EUR and USD. Prices in minor units. */
export async function seedCatalog(db: Executor): Promise<CatalogIds> {
  const ids: CatalogIds = { plan: {}, pkg: {}, addon: {}, rateCard: {} };
  const currencies = [
    { currency: "EUR", factor: 1 },
    { currency: "USD", factor: 1.1 },
  ];
  for (const { currency, factor } of currencies) {
    const price = (minor: number) => Math.round(minor * factor);
    const planRows = await db
      .insert(plans)
      .values(([
        { code: "essential", name: "Essential", currency, interval: "month", seatPrice: price(2500), maxSeats: 50, ...ESSENTIAL },
        { code: "essential", name: "Essential", currency, interval: "year", seatPrice: price(25 * 1000), maxSeats: 50, ...ESSENTIAL },
        { code: "expert", name: "Expert", currency, interval: "month", seatPrice: price(3900), maxSeats: 500, ...EXPERT },
        { code: "expert", name: "Expert", currency, interval: "year", seatPrice: price(39 * 1000), maxSeats: 500, ...EXPERT },
      ] satisfies (typeof plans.$inferInsert)[]).map((plan) => ({ ...plan, providerPriceId: `price_${plan.code}_${currency.toLowerCase()}_${plan.interval}` })))
      .returning();
    for (const p of planRows) ids.plan[key(p.code, p.currency, p.interval)] = p.id;

    const packageRows = await db
      .insert(callingPackages)
      .values(([
        {
          code: "europe",
          name: "Europe",
          currency,
          scope: "international",
          coveredCountries: EU_COUNTRIES,
          unlimited: true,
          fairUseMinutesPerUser: 3000,
          monthlyPrice: price(900),
        },
        {
          code: "asia",
          name: "Asia",
          currency,
          scope: "international",
          coveredCountries: ["HK", "IN", "JP", "SG"],
          unlimited: false,
          includedMinutesPerUser: 300,
          monthlyPrice: price(1200),
        },
        {
          code: "north-america",
          name: "North America",
          currency,
          scope: "international",
          coveredCountries: ["CA", "US"],
          unlimited: true,
          fairUseMinutesPerUser: 3000,
          monthlyPrice: price(800),
        },
        {
          code: "domestic",
          name: "Domestic unlimited",
          currency,
          scope: "domestic",
          unlimited: true,
          fairUseMinutesPerUser: 5000,
          monthlyPrice: price(500),
        },
      ] satisfies (typeof callingPackages.$inferInsert)[]).map((pkg) => ({ ...pkg, providerPriceId: `price_package_${pkg.code}_${currency.toLowerCase()}` })))
      .returning();
    for (const p of packageRows) ids.pkg[key(p.code, p.currency)] = p.id;

    const addonRows = await db
      .insert(addons)
      .values([
        {
          code: "conversation-intelligence",
          name: "Conversation Intelligence",
          category: "conversation_intelligence",
          description: "Transcripts, summaries and sentiment for every call",
          currency,
          unitPrice: price(1900),
          unitLabel: "user",
        },
        {
          code: "power-dialer",
          name: "Power Dialer",
          category: "dialer",
          description: "Dials through call lists automatically",
          currency,
          unitPrice: price(1500),
          unitLabel: "user",
        },
        {
          code: "smart-dialer",
          name: "Smart Dialer",
          category: "dialer",
          description: "Dials several numbers at once and connects answered calls",
          currency,
          unitPrice: price(2900),
          unitLabel: "user",
        },
        {
          code: "voice-agents-1000",
          name: "Voice Agents package (1,000 minutes)",
          category: "voice_agents",
          description: "AI voice agent minutes for inbound and outbound calls",
          currency,
          unitPrice: price(9900),
          unitLabel: "package",
        },
      ])
      .returning();
    for (const a of addonRows) ids.addon[key(a.code, a.currency)] = a.id;

    const [card] = await db
      .insert(rateCards)
      .values({ code: `standard-${currency.toLowerCase()}`, name: `Standard rates (${currency})`, currency })
      .returning();
    if (!card) throw new Error("rate card insert returned nothing");
    ids.rateCard[currency] = card.id;
    await db.insert(rates).values(rateRows(factor).map((r) => ({ ...r, rateCardId: card.id })));
  }
  return ids;
}

export { key as catalogKey };
