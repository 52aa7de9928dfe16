import { parseArgs } from "node:util";
import { openDatabaseFromEnv } from "../db/open-from-env";
import { issueCreditNoteByNumber } from "../lib/invoices/credit-note";
import { formatMoney } from "../lib/money";

/**
 * Corrects an issued invoice with a credit note that credits it in full:
 *
 *   npm run credit-note -- --account acme --invoice INV-2026-000123 --reason "Seats billed twice"
 *
 * The invoice itself never changes. An open invoice becomes void; a paid one stays paid
 * and the credit note is open until the amount is paid back. Exit status: 0 issued,
 * 1 refused (the reason is printed), 2 wrong usage.
 */
const USAGE = 'Usage: npm run credit-note -- --account <slug> --invoice <number> --reason "<why>"';

let values: { account?: string; invoice?: string; reason?: string };
try {
  ({ values } = parseArgs({
    options: { account: { type: "string" }, invoice: { type: "string" }, reason: { type: "string" } },
    strict: true,
  }));
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
const missing = (["account", "invoice", "reason"] as const).filter((name) => !values[name]?.trim());
if (missing.length > 0) {
  console.error(`Missing ${missing.map((name) => `--${name}`).join(", ")}.\n${USAGE}`);
  process.exit(2);
}

const handle = await openDatabaseFromEnv();
try {
  const result = await issueCreditNoteByNumber(handle.db, {
    accountSlug: values.account!,
    invoiceNumber: values.invoice!,
    reason: values.reason!,
  });
  if (!result.ok) {
    console.error(result.failure.message);
    process.exitCode = 1;
  } else {
    const note = result.value;
    console.log(`Issued credit note ${note.number} for invoice ${values.invoice!.trim()}: ${formatMoney(note.grossTotal, note.currency)} (${note.status}).`);
  }
} finally {
  await handle.close();
}
