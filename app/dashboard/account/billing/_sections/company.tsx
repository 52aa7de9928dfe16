import { addressLines } from "@/lib/company/address";
import { reverseChargeApplies } from "@/lib/company/details";
import { taxIdLabel } from "@/lib/company/tax-id";
import { formatTaxId } from "@/lib/company/vat-number";
import { countryName } from "@/lib/format";
import { EditButton, Section } from "../_components/section";
import { loadBillingDetails } from "../_data";

export async function CompanySection({ accountId }: { accountId: string }) {
  const details = await loadBillingDetails(accountId);
  return (
    <Section id="company" title="Company billing details" action={<EditButton label="Edit company billing details" href="/dashboard/account/billing/company-details" />}>
      {!details ? (
        <p>No company details yet. Add them so invoices name your company.</p>
      ) : (
        <dl className="grid grid-cols-1 gap-x-4 gap-y-2 sm:grid-cols-2" data-testid="company-details">
          <div>
            <dt className="text-slate-500">Company name</dt>
            <dd className="font-medium text-slate-900">{details.companyName}</dd>
          </div>
          <div>
            <dt className="text-slate-500">{taxIdLabel(details.country)}</dt>
            <dd>{details.vatNumber ? formatTaxId(details.vatNumber, details.country) : "None"}</dd>
          </div>
          <div>
            <dt className="text-slate-500">Invoice email</dt>
            <dd className="break-words">{details.invoiceEmail}</dd>
            {details.billingEmails.length > 1 ? (
              <dd className="text-slate-600" data-testid="billing-contacts">
                + {details.billingEmails.length - 1} billing contact{details.billingEmails.length > 2 ? "s" : ""}
              </dd>
            ) : null}
          </div>
          <div>
            <dt className="text-slate-500">Address</dt>
            <dd className="whitespace-pre-line">{addressLines(details).join("\n")}</dd>
          </div>
        </dl>
      )}
      {details && reverseChargeApplies(details) ? (
        <p data-testid="reverse-charge" className="mt-3 rounded-md bg-slate-50 p-2 text-xs text-slate-700 ring-1 ring-slate-200">
          Reverse charge: as an EU business outside Germany with a valid VAT number, your invoices carry no German
          VAT; you account for it in your own country ({countryName(details.country)}).
        </p>
      ) : null}
      <p className="mt-3 text-xs text-slate-500">Changes apply to future invoices only.</p>
    </Section>
  );
}
