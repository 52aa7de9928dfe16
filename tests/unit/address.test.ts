import { describe, expect, it } from "vitest";
import { addressLines } from "@/lib/company/address";
import { taxIdLabel } from "@/lib/company/tax-id";

describe("postal addresses, as each country writes them", () => {
  it.each([
    ["US", { street: "1 Globex Plaza", city: "New York", region: "NY", postalCode: "10001" }, ["1 Globex Plaza", "New York, NY 10001", "United States"]],
    ["US without a state (saved before states were asked)", { street: "1 Main St", city: "Austin", postalCode: "73301" }, ["1 Main St", "Austin 73301", "United States"]],
    ["DE", { street: "Friedrichstraße 68", city: "Berlin", postalCode: "10117" }, ["Friedrichstraße 68", "10117 Berlin", "Germany"]],
    ["GB", { street: "10 Downing Street", city: "London", postalCode: "SW1A 2AA" }, ["10 Downing Street", "London", "SW1A 2AA", "United Kingdom"]],
    ["IE", { street: "1 Grand Canal Square", city: "Dublin 2", postalCode: "D02 P820" }, ["1 Grand Canal Square", "Dublin 2", "D02 P820", "Ireland"]],
    ["FR", { street: "8 rue de la Paix", city: "Paris", postalCode: "75002" }, ["8 rue de la Paix", "75002 Paris", "France"]],
    ["NL", { street: "Damrak 1", city: "Amsterdam", postalCode: "1012 LG" }, ["Damrak 1", "1012 LG Amsterdam", "Netherlands"]],
    ["CA", { street: "290 Bremner Blvd", city: "Toronto", region: "ON", postalCode: "M5V 3L9" }, ["290 Bremner Blvd", "Toronto ON M5V 3L9", "Canada"]],
    ["AU", { street: "1 Macquarie St", city: "Sydney", region: "NSW", postalCode: "2000" }, ["1 Macquarie St", "Sydney NSW 2000", "Australia"]],
    ["JP (no rule of its own: postal code first)", { street: "1-1 Marunouchi", city: "Tokyo", postalCode: "100-0005" }, ["1-1 Marunouchi", "100-0005 Tokyo", "Japan"]],
  ] as const)("%s", (label, address, lines) => {
    const country = label.slice(0, 2);
    expect(addressLines({ ...address, country })).toEqual(lines);
  });
});

describe("the name of a company's tax number", () => {
  it.each([
    ["DE", "VAT number"],
    ["FR", "VAT number"],
    ["GR", "VAT number"],
    ["GB", "VAT number"],
    ["CH", "VAT number"],
    ["NO", "VAT number"],
    ["US", "EIN"],
    ["CA", "GST/HST number"],
    ["AU", "ABN"],
    ["NZ", "GST number"],
    ["IN", "GSTIN"],
    ["JP", "Tax ID"],
    ["BR", "Tax ID"],
  ])("%s: %s", (country, label) => {
    expect(taxIdLabel(country)).toBe(label);
  });
});
