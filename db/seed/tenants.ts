/** The two demo tenants of the product: Acme (EUR, Germany) and Globex (USD, United States). */
export interface NumberPlan {
  type: "local" | "mobile" | "toll_free";
  prefix: string;
  count: number;
  monthlyPrice: number;
  country: string;
  label: string;
}

export interface TenantSpec {
  slug: string;
  name: string;
  country: string;
  currency: string;
  timeZone: string;
  plan: { code: string; interval: "month" | "year"; seats: number };
  packages: { code: string; quantity: number }[];
  bundle?: { name: string; minutes: number; minutesUsed: number; price: number };
  addons: { code: string; quantity: number }[];
  numbers: NumberPlan[];
  paymentMethod:
    | { type: "card"; brand: string; last4: string; expMonth: number; expYear: number }
    | { type: "paypal"; email: string };
  billingDetails: {
    companyName: string;
    vatNumber: string | null;
    invoiceEmail: string;
    /** The invoice email first, then other billing contacts. */
    billingEmails: string[];
    street: string;
    city: string;
    region?: string;
    postalCode: string;
    country: string;
  };
  autoTopUp?: { threshold: number; amount: number; monthlyCap: number | null };
  /** Manual top-up made when the balance runs low (accounts without auto top-up). */
  manualTopUp: { amount: number; below: number };
  /** Destinations this tenant calls inside its packages. */
  includedDestinations: { e164: string; country: string }[];
  /** Destinations this tenant calls outside its packages: [e164 prefix, rate micros/min]. */
  chargedDestinations: { e164: string; country: string; rateMicros: number; premium?: boolean }[];
  smsRateMicros: number;
  tollFreeInboundMicros: number;
  callsPerDay: [number, number];
  seed: number;
}

export const TENANTS: TenantSpec[] = [
  {
    slug: "acme",
    name: "Acme GmbH",
    country: "DE",
    currency: "EUR",
    timeZone: "Europe/Berlin",
    plan: { code: "expert", interval: "month", seats: 30 },
    packages: [
      { code: "europe", quantity: 20 },
      { code: "asia", quantity: 5 },
    ],
    bundle: { name: "1,000 international minutes", minutes: 1000, minutesUsed: 412, price: 4900 },
    addons: [
      { code: "conversation-intelligence", quantity: 10 },
      { code: "power-dialer", quantity: 5 },
      { code: "voice-agents-1000", quantity: 1 },
    ],
    numbers: [
      { type: "local", prefix: "+49301234", count: 9, monthlyPrice: 300, country: "DE", label: "Berlin office" },
      { type: "local", prefix: "+49895550", count: 5, monthlyPrice: 300, country: "DE", label: "Munich office" },
      { type: "mobile", prefix: "+49151234", count: 6, monthlyPrice: 900, country: "DE", label: "Sales mobile" },
      // Calls to Asia are in the Asia package only from a number in Asia.
      { type: "local", prefix: "+81355501", count: 2, monthlyPrice: 500, country: "JP", label: "Tokyo office" },
      { type: "toll_free", prefix: "+49800123", count: 4, monthlyPrice: 1500, country: "DE", label: "Hotline" },
    ],
    paymentMethod: { type: "card", brand: "visa", last4: "4242", expMonth: 12, expYear: 2028 },
    billingDetails: {
      companyName: "Acme GmbH",
      vatNumber: "DE136695976",
      invoiceEmail: "invoices@acme.test",
      billingEmails: ["invoices@acme.test", "finance@acme.test"],
      street: "Friedrichstraße 68",
      city: "Berlin",
      postalCode: "10117",
      country: "DE",
    },
    autoTopUp: { threshold: 2000, amount: 10000, monthlyCap: 50000 },
    manualTopUp: { amount: 20000, below: 0 },
    includedDestinations: [
      { e164: "+3314", country: "FR" },
      { e164: "+44207", country: "GB" },
      { e164: "+3491", country: "ES" },
      { e164: "+4930", country: "DE" },
      { e164: "+8135", country: "JP" },
      { e164: "+6562", country: "SG" },
    ],
    chargedDestinations: [
      { e164: "+1212555", country: "US", rateMicros: 10_000 },
      { e164: "+52555", country: "MX", rateMicros: 60_000 },
      { e164: "+61290", country: "AU", rateMicros: 40_000 },
      { e164: "+97142", country: "AE", rateMicros: 180_000 },
      { e164: "+4990012", country: "DE", rateMicros: 990_000, premium: true },
    ],
    smsRateMicros: 75_000,
    tollFreeInboundMicros: 60_000,
    callsPerDay: [28, 44],
    seed: 101,
  },
  {
    slug: "globex",
    name: "Globex Corporation",
    country: "US",
    currency: "USD",
    timeZone: "America/New_York",
    plan: { code: "essential", interval: "year", seats: 15 },
    packages: [{ code: "north-america", quantity: 12 }],
    addons: [{ code: "smart-dialer", quantity: 4 }],
    numbers: [
      { type: "local", prefix: "+1212555", count: 10, monthlyPrice: 200, country: "US", label: "New York" },
      { type: "local", prefix: "+1415555", count: 4, monthlyPrice: 200, country: "US", label: "San Francisco" },
      { type: "mobile", prefix: "+1917555", count: 4, monthlyPrice: 600, country: "US", label: "Field team" },
      { type: "toll_free", prefix: "+1800555", count: 4, monthlyPrice: 1200, country: "US", label: "Support line" },
    ],
    paymentMethod: { type: "paypal", email: "ap@globex.test" },
    billingDetails: {
      companyName: "Globex Corporation",
      vatNumber: null,
      invoiceEmail: "ap@globex.test",
      billingEmails: ["ap@globex.test"],
      street: "1 Globex Plaza",
      city: "New York",
      region: "NY",
      postalCode: "10001",
      country: "US",
    },
    manualTopUp: { amount: 25000, below: 1500 },
    includedDestinations: [
      { e164: "+1312555", country: "US" },
      { e164: "+1617555", country: "US" },
      { e164: "+1416555", country: "CA" },
    ],
    chargedDestinations: [
      { e164: "+44207", country: "GB", rateMicros: 14_300 },
      { e164: "+3314", country: "FR", rateMicros: 15_400 },
      { e164: "+8135", country: "JP", rateMicros: 66_000 },
      { e164: "+1900555", country: "US", rateMicros: 1_650_000, premium: true },
    ],
    smsRateMicros: 11_000,
    tollFreeInboundMicros: 27_500,
    callsPerDay: [12, 22],
    seed: 202,
  },
];
