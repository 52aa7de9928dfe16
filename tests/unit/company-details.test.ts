import { describe, expect, it } from "vitest";
import { companyDetailsSchema, normalizeVatNumber, reverseChargeApplies } from "@/lib/billing/company-details";

const valid = {
  companyName: "Acme GmbH",
  vatNumber: "DE136695976",
  invoiceEmail: "invoices@acme.test",
  street: "Friedrichstraße 68",
  city: "Berlin",
  postalCode: "10117",
  country: "DE",
};

function errors(input: Record<string, unknown>) {
  const result = companyDetailsSchema.safeParse(input);
  if (result.success) return {};
  return Object.fromEntries(result.error.issues.map((i) => [String(i.path[0]), i.message]));
}

describe("company billing details", () => {
  it("accepts complete details and normalizes the VAT number", () => {
    const parsed = companyDetailsSchema.parse({ ...valid, vatNumber: "de 136.695-976" });
    expect(parsed.vatNumber).toBe("DE136695976");
    expect(normalizeVatNumber(" fr 40 303 265 045 ")).toBe("FR40303265045");
  });

  it.each([
    ["DE", "DE136695976", "10117"],
    ["FR", "FR40303265045", "75008"],
    ["AT", "ATU13585627", "1010"],
    ["NL", "NL004495445B01", "1012 AB"],
    ["IT", "IT00743110157", "00184"],
    ["ES", "ESA28015865", "28001"],
    ["BE", "BE0411905847", "1000"],
    ["PL", "PL5260250274", "00-001"],
    ["GR", "EL094259216", "105 57"],
  ])("accepts a valid %s VAT number (%s)", (country, vatNumber, postalCode) => {
    expect(errors({ ...valid, country, vatNumber, postalCode })).toEqual({});
  });

  it.each([
    ["DE", "DE136695977", "check digits are wrong"],
    ["FR", "FR40303265044", "check digits are wrong"],
    ["IT", "IT00743110158", "check digits are wrong"],
    ["AT", "ATU13585626", "check digits are wrong"],
    ["DE", "DE12345", "not the format of a Germany VAT number"],
    ["DE", "FR40303265045", "This VAT number is from France; the company is in Germany."],
    ["DE", "136695976", "Start the VAT number with its country prefix"],
  ])("refuses %s VAT number %s", (country, vatNumber, message) => {
    expect(errors({ ...valid, country, vatNumber }).vatNumber).toContain(message);
  });

  it("allows no VAT number, and says what is missing or wrong field by field", () => {
    expect(errors({ ...valid, vatNumber: "" })).toEqual({});
    expect(errors({ ...valid, companyName: "  ", invoiceEmail: "nope", city: "", country: "XX" })).toEqual({
      companyName: "Enter the company name.",
      invoiceEmail: "Enter an email address such as invoices@example.com.",
      city: "Enter the city.",
      country: "Choose a country from the list.",
    });
  });

  it("checks postal codes of the main countries", () => {
    expect(errors({ ...valid, postalCode: "1011" }).postalCode).toBe("This is not a postal code of Germany.");
    expect(errors({ ...valid, country: "GB", vatNumber: "", postalCode: "SW1A 1AA" })).toEqual({});
    expect(errors({ ...valid, country: "US", vatNumber: "", postalCode: "ABCDE" }).postalCode).toBe(
      "This is not a postal code of United States.",
    );
  });

  it("refuses 10,000 characters, and keeps unicode, HTML and SQL-looking text as plain text", () => {
    expect(errors({ ...valid, companyName: "x".repeat(10_000) }).companyName).toBe("Use at most 200 characters.");
    expect(errors({ ...valid, vatNumber: "D".repeat(10_000) }).vatNumber).toBe("A VAT number has at most 30 characters.");
    const parsed = companyDetailsSchema.parse({ ...valid, companyName: "Müller & Søn <b>AG</b>'; drop table accounts; --" });
    expect(parsed.companyName).toBe("Müller & Søn <b>AG</b>'; drop table accounts; --");
  });

  it("refuses wrong types", () => {
    expect(companyDetailsSchema.safeParse({ ...valid, companyName: 42 }).success).toBe(false);
    expect(companyDetailsSchema.safeParse({ ...valid, country: ["DE"] }).success).toBe(false);
  });

  it("applies reverse charge to EU businesses with a VAT number outside the seller's country", () => {
    expect(reverseChargeApplies({ country: "FR", vatNumber: "FR40303265045" })).toBe(true);
    expect(reverseChargeApplies({ country: "DE", vatNumber: "DE136695976" })).toBe(false);
    expect(reverseChargeApplies({ country: "FR", vatNumber: null })).toBe(false);
    expect(reverseChargeApplies({ country: "US", vatNumber: null })).toBe(false);
  });
});
