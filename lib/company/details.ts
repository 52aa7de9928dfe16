import { eq } from "drizzle-orm";
import isoCountries from "i18n-iso-countries";
import { postcodeValidator, postcodeValidatorExistsForCountry } from "postcode-validator";
import { z } from "zod";
import type { Database } from "@/db/client";
import { billingDetails } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { REGION_CODES, REGION_LABELS } from "./address";
import { EU_COUNTRIES } from "./countries";
import { taxIdLabel } from "./tax-id";
import { checkOtherTaxId, checkVatNumber, hasVatScheme, type VatCheck } from "./vat-number";

export { EU_COUNTRIES };

/** Where the seller is established: EU businesses elsewhere are invoiced with reverse charge. */
export const SELLER_COUNTRY = "DE";

/** ISO 3166-1 alpha-2 codes. */
export const COUNTRY_CODES = Object.keys(isoCountries.getAlpha2Codes()).sort();

/** "de 136.695-976" -> "DE136695976". */
export function normalizeVatNumber(value: string): string {
  return value.toUpperCase().replace(/[\s.\-/]/g, "");
}

const text = (label: string, max: number) =>
  z
    .string()
    .transform((v) => v.trim())
    .pipe(z.string().min(1, `Enter the ${label}.`).max(max, `Use at most ${max} characters.`));

/** Company details for invoices, checked field by field (messages for the form). */
export const companyDetailsSchema = z
  .object({
    companyName: text("company name", 200),
    vatNumber: z
      .string()
      .max(30, "A VAT number has at most 30 characters.")
      .transform(normalizeVatNumber)
      .optional(),
    invoiceEmail: z
      .string()
      .trim()
      .max(254, "Use at most 254 characters.")
      .pipe(z.email("Enter an email address such as invoices@example.com.")),
    billingContacts: z
      .string()
      .max(2_000, "Use at most 2,000 characters.")
      .optional()
      .transform((v, ctx) => {
        const parsed = parseBillingContacts(v ?? "");
        if (typeof parsed === "string") {
          ctx.addIssue({ code: "custom", message: parsed });
          return z.NEVER;
        }
        return parsed;
      }),
    street: text("street and number", 200),
    city: text("city", 100),
    // Checked against the country below; kept only where the country's addresses name one.
    region: z
      .string()
      .max(20, "Use at most 20 characters.")
      .transform((v) => v.trim().toUpperCase())
      .optional(),
    postalCode: text("postal code", 20),
    country: z.string().refine((c) => COUNTRY_CODES.includes(c), "Choose a country from the list."),
  })
  .superRefine((details, ctx) => {
    const country = details.country;
    if (COUNTRY_CODES.includes(country) && postcodeValidatorExistsForCountry(country)) {
      if (!postcodeValidator(details.postalCode, country)) {
        ctx.addIssue({ code: "custom", path: ["postalCode"], message: `This is not a postal code of the company's country (${countryLabel(country)}).` });
      }
    }
    const regions = REGION_CODES[country];
    if (regions && !regions.has(details.region ?? "")) {
      const label = REGION_LABELS[country]!.toLowerCase();
      const example = { US: "NY", CA: "ON", AU: "NSW" }[country];
      ctx.addIssue({
        code: "custom",
        path: ["region"],
        message: details.region ? `Enter the ${label} as its code, such as ${example}.` : `Enter the ${label}.`,
      });
    }
    const vat = details.vatNumber;
    // Checked against the country only once both are readable.
    if (!vat || vat.length > 30 || !COUNTRY_CODES.includes(country)) return;
    if (!hasVatScheme(country)) {
      const problem = checkOtherTaxId(vat, country);
      if (problem) ctx.addIssue({ code: "custom", path: ["vatNumber"], message: problem });
      return;
    }
    const check = checkVatNumber(vat, country);
    if (!check.ok) ctx.addIssue({ code: "custom", path: ["vatNumber"], message: vatMessage(check, country) });
  })
  .transform((details) => ({ ...details, region: REGION_CODES[details.country] ? details.region! : null }));

// Country names go in parentheses: "the Netherlands" and "the United States" take an
// article, "Ireland" does not, and no sentence has to know which.
function vatMessage(check: Exclude<VatCheck, { ok: true }>, country: string): string {
  switch (check.problem) {
    case "prefix":
      return "Start the VAT number with its country prefix, such as DE or FR.";
    case "greek-prefix":
      return "Greek VAT numbers start with EL, not GR.";
    case "country": {
      const numberCountry = check.prefix === "XI" ? "Northern Ireland" : countryLabel(check.numberCountry);
      return `This VAT number's country (${numberCountry}) is not the company's country (${countryLabel(country)}).`;
    }
    case "format":
      return `This is not the format of a VAT number of the company's country (${countryLabel(country)}).`;
    case "checksum":
      return "This VAT number's check digits are wrong; please check it.";
  }
}

/** The invoice email and at most this many other billing contacts. */
export const MAX_BILLING_CONTACTS = 9;

const emailAddress = z.email();

/**
 * "ap@acme.test, cfo@acme.test" or one address per line, lower-cased and each once; or
 * what is wrong with it, naming the address.
 */
export function parseBillingContacts(text: string): string[] | string {
  const addresses = text
    .split(/[\s,;]+/)
    .map((a) => a.trim().toLowerCase())
    .filter((a) => a !== "");
  for (const address of addresses) {
    if (address.length > 254 || !emailAddress.safeParse(address).success) {
      return `“${address.length > 60 ? `${address.slice(0, 60)}…` : address}” is not an email address. Enter addresses such as ap@example.com, one per line.`;
    }
  }
  const unique = [...new Set(addresses)];
  if (unique.length > MAX_BILLING_CONTACTS) return `Enter at most ${MAX_BILLING_CONTACTS} addresses besides the invoice email.`;
  return unique;
}

/** The invoice email first, then the other billing contacts, each once. */
export function billingEmailsOf(input: { invoiceEmail: string; billingContacts: string[] }): string[] {
  return [...new Set([input.invoiceEmail.toLowerCase(), ...input.billingContacts])];
}

export type CompanyDetailsInput = z.output<typeof companyDetailsSchema>;

const regionNames = new Intl.DisplayNames(["en"], { type: "region" });
export function countryLabel(code: string): string {
  try {
    return regionNames.of(code) ?? code;
  } catch {
    return code;
  }
}

/** EU businesses with a valid VAT number outside the seller's country: reverse charge applies. */
export function reverseChargeApplies(details: { country: string; vatNumber: string | null }): boolean {
  return !!details.vatNumber && EU_COUNTRIES.has(details.country) && details.country !== SELLER_COUNTRY;
}

/** What a save changed, in words: "VAT number and invoice email changed"; null for the first save. */
export interface SavedCompanyDetails {
  changes: string | null;
}

/** Saves the details for future invoices, with an audit entry of before and after. */
export async function saveCompanyDetails(
  db: Database,
  accountId: string,
  userId: string,
  input: CompanyDetailsInput,
): Promise<SavedCompanyDetails> {
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(billingDetails).where(eq(billingDetails.accountId, accountId)).for("update");
    const values = {
      companyName: input.companyName,
      vatNumber: input.vatNumber || null,
      invoiceEmail: input.invoiceEmail.toLowerCase(),
      billingEmails: billingEmailsOf(input),
      street: input.street,
      city: input.city,
      region: input.region,
      postalCode: input.postalCode,
      country: input.country,
      updatedAt: new Date(),
      updatedByUserId: userId,
    };
    await tx
      .insert(billingDetails)
      .values({ accountId, ...values })
      .onConflictDoUpdate({ target: billingDetails.accountId, set: values });
    type Shown = Pick<typeof values, "companyName" | "vatNumber" | "invoiceEmail" | "billingEmails" | "street" | "city" | "region" | "postalCode" | "country">;
    const shape = (d: Shown | undefined) =>
      d && {
        companyName: d.companyName,
        vatNumber: d.vatNumber,
        invoiceEmail: d.invoiceEmail,
        billingEmails: d.billingEmails,
        street: d.street,
        city: d.city,
        region: d.region ?? null,
        postalCode: d.postalCode,
        country: d.country,
      };
    await recordAudit(tx, {
      accountId,
      actorUserId: userId,
      action: "billing_details.update",
      before: shape(before) ?? null,
      after: shape(values),
    });
    return { changes: before ? describeChanges(before, values) : null };
  });
}

type DetailsRow = Omit<CompanyDetailsInput, "vatNumber" | "billingContacts"> & { vatNumber: string | null; region: string | null; billingEmails?: string[] };

/** "VAT number and invoice email changed", "Address changed", "Nothing changed". */
export function describeChanges(before: DetailsRow, after: DetailsRow): string {
  const differs = (key: keyof DetailsRow) => (before[key] ?? null) !== (after[key] ?? null);
  const parts: string[] = [];
  if (differs("companyName")) parts.push("company name");
  if (differs("vatNumber")) parts.push(taxIdLabel(after.country));
  if (differs("invoiceEmail")) parts.push("invoice email");
  if (before.billingEmails && after.billingEmails && before.billingEmails.slice(1).join() !== after.billingEmails.slice(1).join()) {
    parts.push("billing contacts");
  }
  if (differs("street") || differs("city") || differs("region") || differs("postalCode")) parts.push("address");
  if (differs("country")) parts.push("country");
  if (parts.length === 0) return "Nothing changed";
  const list = parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
  return `${list[0]!.toUpperCase()}${list.slice(1)} changed`;
}
