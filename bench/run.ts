import { benchAuthorize } from "./authorize";
import { benchCsv } from "./csv";
import { benchInvoices } from "./invoices";
import { benchLedger } from "./ledger";
import { benchPage } from "./page";
import { benchSpend } from "./spend";
import { benchUsage } from "./usage";

/** `npm run bench` runs every benchmark; `npm run bench -- NAME` runs one. */
const BENCHES: Record<string, () => Promise<void>> = {
  page: benchPage,
  ledger: benchLedger,
  usage: benchUsage,
  authorize: benchAuthorize,
  csv: benchCsv,
  invoices: benchInvoices,
  spend: benchSpend,
};
const PLANNED: string[] = [];

const requested = process.argv.slice(2);
for (const name of requested) {
  if (!BENCHES[name] && !PLANNED.includes(name)) {
    console.error(`unknown benchmark "${name}"; known: ${[...Object.keys(BENCHES), ...PLANNED].join(", ")}`);
    process.exit(2);
  }
}
process.env.NEXT_TELEMETRY_DISABLED = "1";
for (const name of requested.length ? requested : [...Object.keys(BENCHES), ...PLANNED]) {
  const bench = BENCHES[name];
  if (!bench) {
    console.error(`bench: "${name}" does not exist yet (its feature is not built); skipped`);
    continue;
  }
  console.error(`bench: running ${name}`);
  await bench();
}
process.exit(0);
