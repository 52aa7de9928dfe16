import { EU_COUNTRIES } from "./countries";

/**
 * What a company's tax number is called in its country, for labels and messages. EU
 * countries, the United Kingdom, Switzerland and Norway have VAT numbers; elsewhere the
 * number that goes on an invoice has its own name. "Tax ID" where none is known.
 */
const LABELS: Record<string, string> = {
  GB: "VAT number",
  CH: "VAT number",
  NO: "VAT number",
  US: "EIN",
  CA: "GST/HST number",
  AU: "ABN",
  NZ: "GST number",
  IN: "GSTIN",
};

export function taxIdLabel(country: string): string {
  return LABELS[country] ?? (EU_COUNTRIES.has(country) ? "VAT number" : "Tax ID");
}
