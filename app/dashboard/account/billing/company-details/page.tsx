import type { Metadata } from "next";
import { requirePageAccess } from "@/lib/auth/access";
import { getBillingDetails } from "@/lib/company/queries";
import { getAccount } from "@/lib/auth/account";
import { COUNTRY_CODES, countryLabel } from "@/lib/company/details";
import { formatTaxId } from "@/lib/company/vat-number";
import { getDb } from "@/lib/db";
import { CompanyDetailsForm } from "../_components/company-details-form";
import { SubPage } from "../_components/sub-page";

export const metadata: Metadata = { title: "Company billing details" };

export default async function CompanyDetailsPage() {
  const user = await requirePageAccess("billing.manage", "/dashboard/account/billing/company-details");
  const db = await getDb();
  const [account, details] = await Promise.all([getAccount(db, user.accountId), getBillingDetails(db, user.accountId)]);
  const countries = COUNTRY_CODES.map((code) => ({ code, name: countryLabel(code) })).sort((a, b) => a.name.localeCompare(b.name));
  return (
    <SubPage
      title="Company billing details"
      intro="Printed on your invoices. EU businesses outside Germany with a valid VAT number are invoiced with reverse charge."
    >
      <CompanyDetailsForm
        countries={countries}
        initial={{
          companyName: details?.companyName ?? account.name,
          vatNumber: details?.vatNumber ? formatTaxId(details.vatNumber, details.country) : "",
          invoiceEmail: details?.invoiceEmail ?? "",
          billingContacts: (details?.billingEmails ?? []).filter((e) => e !== details?.invoiceEmail).join("\n"),
          street: details?.street ?? "",
          city: details?.city ?? "",
          region: details?.region ?? "",
          postalCode: details?.postalCode ?? "",
          country: details?.country ?? account.country,
        }}
      />
    </SubPage>
  );
}
