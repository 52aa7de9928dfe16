import { describe, expect, it } from "vitest";
import { companyDetailsSchema, describeChanges, normalizeVatNumber, reverseChargeApplies } from "@/lib/company/details";

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

  // Public vectors: numbers found in use and their mangled twins, as collected by
  // python-stdnum (tests/test_eu_vat.doctest and the country modules' examples), unless
  // said otherwise.
  it.each([
    ["AT", "ATU13585627", "Austria"],
    ["BE", "BE0411905847", "Belgium, starting with 0"],
    ["BE", "BE1001686633", "Belgium, starting with 1 (issued since the 0 range ran out, 2023)"],
    ["BE", "BE 428.759.497", "Belgium, old nine digits"],
    ["BG", "BG131202360", "Bulgaria, a company"],
    ["BG", "BG7111042925", "Bulgaria, a person's EGN"],
    ["CY", "CY10263870R", "Cyprus"],
    ["CZ", "CZ61467839", "Czechia, a company"],
    ["CZ", "CZ640903926", "Czechia, nine digits starting with 6"],
    ["DE", "DE136695976", "Germany"],
    ["DK", "DK13310459", "Denmark"],
    ["EE", "EE100594102", "Estonia"],
    ["ES", "ESA28015865", "Spain, a company (CIF)"],
    ["ES", "ES-Q0818001J", "Spain, a public body"],
    ["FI", "FI20774740", "Finland"],
    ["FR", "FR40303265045", "France, two-digit key"],
    ["FR", "FRK7399859412", "France, letter and digit key"],
    ["FR", "FR4Z123456782", "France, digit and letter key"],
    ["GR", "EL094259216", "Greece (prefix EL)"],
    ["HR", "HR33392005961", "Croatia"],
    ["HU", "HU12723650", "Hungary"],
    ["IE", "IE6433435F", "Ireland, seven digits and a letter"],
    ["IE", "IE8D79739I", "Ireland, old form with a letter second"],
    ["IE", "IE6433435OA", "Ireland, two letters (since 2013)"],
    ["IE", "IE6433435IH", "Ireland, two letters ending in H"],
    ["IE", "IE1234567TW", "Ireland, two letters ending in W"],
    // 8·1 + 7·2 + 6·3 + 5·4 + 4·5 + 3·6 + 2·7 + 9·2 (B) = 130; 130 mod 23 = 15, the letter O.
    ["IE", "IE1234567OB", "Ireland, two letters ending in B (check letter worked out by hand)"],
    ["IT", "IT00743110157", "Italy"],
    ["LT", "LT100001919017", "Lithuania"],
    ["LU", "LU13178262", "Luxembourg"],
    ["LV", "LV40003521600", "Latvia"],
    ["MT", "MT17025737", "Malta"],
    ["NL", "NL004495445B01", "Netherlands, RSIN with the mod-11 check"],
    ["NL", "NL002455799B11", "Netherlands, btw-id with the mod-97 check (since 2020)"],
    ["PL", "PL5260250274", "Poland"],
    ["PT", "PT502448911", "Portugal"],
    ["RO", "RO16621241", "Romania"],
    ["SE", "SE556058115801", "Sweden"],
    ["SI", "SI50223054", "Slovenia"],
    ["SK", "SK2021853504", "Slovakia"],
    ["SK", "SK1078449064", "Slovakia, starting with 1"],
    ["GB", "GB980780684", "United Kingdom"],
    ["GB", "GBGD100", "United Kingdom, a government department"],
    ["GB", "XI432525179", "Northern Ireland (XI) for a United Kingdom address"],
    ["CH", "CHE-107.787.577 IVA", "Switzerland"],
    ["CH", "CHE-107.787.577", "Switzerland, without the IVA suffix"],
    ["NO", "NO 995 525 828 MVA", "Norway"],
    ["NO", "NO 995 525 828", "Norway, without the MVA suffix"],
    ["AD", "ADU-132950-X", "Andorra"],
    ["BR", "BR16.727.230/0001-97", "Brazil"],
    ["RS", "RS101134702", "Serbia"],
    ["RU", "RU123456789047", "Russia"],
  ])("accepts a valid VAT number: %s %s (%s)", (country, vatNumber, label) => {
    expect(errors({ ...valid, country, vatNumber }).vatNumber, label).toBeUndefined();
  });

  const checkDigits = "This VAT number's check digits are wrong; please check it.";
  const notTheFormat = (name: string) => `This is not the format of a VAT number of the company's country (${name}).`;
  it.each([
    ["DE", "DE136695977", checkDigits, "Germany, last digit changed"],
    ["AT", "ATU13585626", checkDigits, "Austria, last digit changed"],
    ["IT", "IT00743110158", checkDigits, "Italy, last digit changed"],
    ["FR", "FR40303265044", checkDigits, "France, last digit changed"],
    ["FR", "FR0F404833040", checkDigits, "France, a digit and letter key that does not match"],
    ["FR", "FRZZ999999999", checkDigits, "France, a letter key on a SIREN that does not exist"],
    ["FR", "FRK7399859312", checkDigits, "France, letter key with a digit changed"],
    ["FR", "FRL7399859412", checkDigits, "France, letter key with the letter changed"],
    ["FR", "FRIO334175221", notTheFormat("France"), "France, I and O are not used in keys"],
    ["BE", "BE697449982", checkDigits, "Belgium, digit changed"],
    ["BE", "BE2000021323", notTheFormat("Belgium"), "Belgium, starting with 2"],
    ["BE", "BEBE0220764971", notTheFormat("Belgium"), "Belgium, prefix typed twice"],
    ["BG", "BG1037735942", checkDigits, "Bulgaria, a ten-digit number that is no EGN (no 37th month)"],
    ["CZ", "CZ640913926", checkDigits, "Czechia, nine digits starting with 6, digit changed"],
    ["CY", "CY10246672F", checkDigits, "Cyprus, letter changed"],
    ["DK", "DK11965658", checkDigits, "Denmark, digit changed"],
    ["EE", "EE100941558", checkDigits, "Estonia, digit changed"],
    ["ES", "ESK2814015F", checkDigits, "Spain, digit changed"],
    ["GR", "EL094013834", checkDigits, "Greece, digit changed"],
    ["GR", "GR094259216", "Greek VAT numbers start with EL, not GR.", "Greece, with its ISO code"],
    ["IE", "IE4731823H", checkDigits, "Ireland, check letter changed"],
    ["IE", "IE8D79729I", checkDigits, "Ireland, old form, digit changed"],
    ["IE", "IE1234567WA", checkDigits, "Ireland, two letters that do not match"],
    ["IE", "IE1234567ABC", notTheFormat("Ireland"), "Ireland, three letters"],
    ["LV", "LV40003189715", checkDigits, "Latvia, digit changed"],
    ["NL", "NL123456789B90", checkDigits, "Netherlands, neither check matches"],
    ["NL", "NL009122746B00", notTheFormat("Netherlands"), "Netherlands, suffix B00"],
    ["NL", "NL000000000B01", notTheFormat("Netherlands"), "Netherlands, all zeros"],
    ["SK", "SK1078449164", checkDigits, "Slovakia, digit changed"],
    ["GB", "GB802311781", checkDigits, "United Kingdom, digit changed"],
    ["GB", "XI802311781", checkDigits, "Northern Ireland, digit changed"],
    ["GB", "GBZZ100", notTheFormat("United Kingdom"), "United Kingdom, five characters not GD or HA"],
    ["GB", "XIXI432525179", notTheFormat("United Kingdom"), "Northern Ireland, prefix typed twice"],
    ["IE", "XI432525179", "This VAT number's country (Northern Ireland) is not the company's country (Ireland).", "XI outside the United Kingdom"],
    ["CH", "CHE-107.787.578 IVA", checkDigits, "Switzerland, digit changed"],
    ["NO", "NO 995 525 829 MVA", checkDigits, "Norway, digit changed"],
    ["BR", "BR16.727.230/0001-98", checkDigits, "Brazil, digit changed"],
    ["RS", "RS101134703", checkDigits, "Serbia, digit changed"],
    ["RU", "RU123456789037", checkDigits, "Russia, digit changed"],
    ["DE", "DE12345", notTheFormat("Germany"), "too short"],
    ["DE", "FR40303265045", "This VAT number's country (France) is not the company's country (Germany).", "another country's"],
    ["DE", "136695976", "Start the VAT number with its country prefix, such as DE or FR.", "no prefix"],
  ])("refuses %s VAT number %s: %s (%s)", (country, vatNumber, message, label) => {
    expect(errors({ ...valid, country, vatNumber }).vatNumber, label).toBe(message);
  });

  it("names countries without an article that depends on the name", () => {
    expect(errors({ ...valid, country: "IE", vatNumber: "IE12345" }).vatNumber).toBe(notTheFormat("Ireland"));
    expect(errors({ ...valid, country: "NL", vatNumber: "NL12345" }).vatNumber).toBe(notTheFormat("Netherlands"));
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

  it("takes billing contacts one per line or separated by commas, lower-cased and each once", () => {
    const parsed = companyDetailsSchema.parse({ ...valid, billingContacts: " CFO@acme.test\nap@acme.test, cfo@acme.test;\n\n" });
    expect(parsed.billingContacts).toEqual(["cfo@acme.test", "ap@acme.test"]);
    expect(companyDetailsSchema.parse(valid).billingContacts, "optional").toEqual([]);
  });

  it.each([
    ["cfo@acme.test\nbob@", "“bob@” is not an email address. Enter addresses such as ap@example.com, one per line."],
    ["<script>alert(1)</script>@x.test", "“<script>alert(1)</script>@x.test” is not an email address. Enter addresses such as ap@example.com, one per line."],
    ["Jane Doe <jane@acme.test>", "“jane” is not an email address. Enter addresses such as ap@example.com, one per line."],
    [Array.from({ length: 10 }, (_, i) => `c${i}@acme.test`).join("\n"), "Enter at most 9 addresses besides the invoice email."],
  ])("refuses the billing contacts %j at their field", (billingContacts, message) => {
    expect(errors({ ...valid, billingContacts })).toEqual({ billingContacts: message });
  });

  it("checks postal codes of the main countries", () => {
    expect(errors({ ...valid, postalCode: "1011" }).postalCode).toBe("This is not a postal code of the company's country (Germany).");
    expect(errors({ ...valid, country: "GB", vatNumber: "", postalCode: "SW1A 1AA" })).toEqual({});
    expect(errors({ ...valid, country: "US", vatNumber: "", postalCode: "ABCDE" }).postalCode).toBe(
      "This is not a postal code of the company's country (United States).",
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

describe("company details: tax numbers outside the VAT schemes, states, and what a save changed", () => {
  const us = { ...valid, country: "US", vatNumber: "", street: "1 Globex Plaza", city: "New York", region: "ny", postalCode: "10001" };

  it.each([
    ["US", "12-3456789", null],
    ["US", "1234567", "This is not the format of an EIN, such as 12-3456789."],
    ["AU", "51 824 753 556", null],
    ["AU", "51 824 753 557", "This ABN's check digits are wrong; please check it."],
    ["CA", "123456782", null],
    ["JP", "T1234567890123", null],
  ])("%s tax number %s: %s", (country, vatNumber, message) => {
    const region = country === "US" ? "NY" : country === "AU" ? "NSW" : country === "CA" ? "ON" : "";
    const postalCode = { US: "10001", AU: "2000", CA: "M5V 3L9", JP: "100-0005" }[country]!;
    expect(errors({ ...us, country, region, postalCode, vatNumber }).vatNumber).toBe(message ?? undefined);
  });

  it("asks for a US state by its code, and keeps a state only where addresses name one", () => {
    expect(companyDetailsSchema.parse(us).region).toBe("NY");
    expect(errors({ ...us, region: "" }).region).toBe("Enter the state.");
    expect(errors({ ...us, region: "New York" }).region).toBe("Enter the state as its code, such as NY.");
    expect(companyDetailsSchema.parse({ ...valid, region: "BE" }).region).toBeNull();
  });

  const saved = { ...valid, vatNumber: "DE136695976" as string | null, region: null as string | null };
  it.each([
    [{}, "Nothing changed"],
    [{ vatNumber: "DE129273398", invoiceEmail: "ap@acme.test" }, "VAT number and invoice email changed"],
    [{ vatNumber: null }, "VAT number changed"],
    [{ street: "Unter den Linden 1", postalCode: "10117" }, "Address changed"],
    [{ companyName: "Acme SE", city: "Hamburg", country: "FR" }, "Company name, address and country changed"],
    [{ country: "US", region: "NY", vatNumber: "123456789" }, "EIN, address and country changed"],
  ])("says what changed: %o", (change, words) => {
    expect(describeChanges(saved, { ...saved, ...change })).toBe(words);
  });
});
