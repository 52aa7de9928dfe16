import { stdnum, type Validator } from "stdnum";

/**
 * VAT numbers checked for format and check digits, per the country prefix they start with.
 *
 * The rules are stdnum's (a port of python-stdnum, which follows the tax offices' current
 * formats: Belgian numbers starting with 1, Irish numbers with two letters, French keys
 * with letters, Dutch numbers with the mod-97 check). Each validator below strips its
 * own prefix once, so a number typed with its prefix twice ("BEBE0220764971") is refused.
 */

export type VatCheck =
  | { ok: true }
  /** No prefix, or one that no scheme below uses. */
  | { ok: false; problem: "prefix" }
  /** Greece's VAT prefix is EL, not its ISO code. */
  | { ok: false; problem: "greek-prefix" }
  /** The prefix of another country than the company's. */
  | { ok: false; problem: "country"; prefix: string; numberCountry: string }
  | { ok: false; problem: "format" }
  | { ok: false; problem: "checksum" };

interface Scheme {
  /** ISO 3166-1 alpha-2 code of the country whose companies use the prefix. */
  country: string;
  validate: (vat: string) => "ok" | "format" | "checksum";
}

/** One of stdnum's validators; a name it does not have fails at start-up (and in every test). */
function v(country: string, name: string): Validator {
  const validator = stdnum[country]?.[name];
  if (!validator) throw new Error(`stdnum has no ${country}.${name} validator`);
  return validator;
}

function rules(validator: Validator, extra?: (compact: string) => boolean): Scheme["validate"] {
  return (vat) => {
    const result = validator.validate(vat);
    if (!result.isValid) return result.error?.name === "InvalidChecksum" ? "checksum" : "format";
    return !extra || extra(result.compact) ? "ok" : "format";
  };
}

/** For validators that do not strip a prefix of their own. */
function afterPrefix(validate: Scheme["validate"]): Scheme["validate"] {
  return (vat) => validate(vat.slice(2));
}

const digits = (s: string) => [...s].map(Number);
const weighted = (s: string, weights: number[]) => digits(s).reduce((sum, d, i) => sum + d * weights[i]!, 0);

// Where stdnum (1.12) departs from the tax offices' rules, checked against python-stdnum's
// published lists of valid and invalid numbers, the rule is completed here.

// Any two letters before three digits pass stdnum's GB module; only government
// departments (GD) and health authorities (HA) have such numbers.
const gbVat = rules(v("GB", "vat"), (n) => n.length !== 5 || n.startsWith("GD") || n.startsWith("HA"));

/** An EGN starts with the birth date, YYMMDD, with 20 added to the month before 1900, 40 from 2000. */
function egnBirthDateExists(n: string): boolean {
  let year = 1900 + Number(n.slice(0, 2));
  let month = Number(n.slice(2, 4));
  const day = Number(n.slice(4, 6));
  if (month > 40) [year, month] = [year + 100, month - 40];
  else if (month > 20) [year, month] = [year - 100, month - 20];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

// Ten-digit numbers are people's (EGN, PNF) or others'; stdnum refuses EGNs of people born
// in the 1940s to 1980s, does not look at an EGN's date, and inverts the check of the others.
const [bgCompany, bgEgn, bgPnf] = [rules(v("BG", "vat")), v("BG", "egn"), v("BG", "pnf")];
const bgVat: Scheme["validate"] = (vat) => {
  const n = vat.slice(2);
  if (!/^\d{10}$/.test(n)) return bgCompany(vat);
  if (bgEgn.validate(n).isValid && egnBirthDateExists(n)) return "ok";
  if (bgPnf.validate(n).isValid) return "ok";
  return String((((11 - weighted(n, [4, 3, 2, 7, 6, 5, 4, 3, 2])) % 11) + 11) % 11) === n[9] ? "ok" : "checksum";
};

// Nine-digit numbers starting with 6 have their own check, over the digits between the
// first and the last; stdnum weighs the wrong digits.
const czOther = rules(v("CZ", "dic"));
const czVat: Scheme["validate"] = (vat) => {
  const n = vat.slice(2);
  if (!/^6\d{8}$/.test(n)) return czOther(vat);
  const sum = weighted(n.slice(1, 8), [8, 7, 6, 5, 4, 3, 2]) % 11;
  return String((((8 - ((10 - sum) % 11)) % 10) + 10) % 10) === n[8] ? "ok" : "checksum";
};

// The third digit (not the first, as in stdnum) is one of 2, 3, 4, 7, 8, 9; people may use
// their birth number (RČ).
const skRc = v("SK", "rc");
const skVat: Scheme["validate"] = (vat) => {
  const n = vat.slice(2);
  if (!/^\d{10}$/.test(n)) return "format";
  if (skRc.validate(n).isValid) return "ok";
  if (n[0] === "0" || !"234789".includes(n[2]!)) return "format";
  return Number(n) % 11 === 0 ? "ok" : "checksum";
};

// Neither the number nor the company's suffix after B may be all zeros.
const nlVat = rules(v("NL", "btw"), (n) => !/^0{9}/.test(n) && !n.endsWith("B00"));

// Switzerland's prefix is CHE, part of the number itself; the MWST (TVA, IVA) suffix is
// often left out, as is Norway's MVA.
const [chUid, chVat, noMva] = [rules(v("CH", "uid")), rules(v("CH", "vat")), rules(v("NO", "mva"))];

const SCHEMES: Record<string, Scheme> = {
  AT: { country: "AT", validate: rules(v("AT", "uid")) },
  // Enterprise numbers start with 0, or with 1 since the 0 range ran out (2023).
  BE: { country: "BE", validate: rules(v("BE", "vat"), (n) => n.startsWith("0") || n.startsWith("1")) },
  BG: { country: "BG", validate: bgVat },
  CY: { country: "CY", validate: rules(v("CY", "vat")) },
  CZ: { country: "CZ", validate: czVat },
  DE: { country: "DE", validate: rules(v("DE", "vat")) },
  DK: { country: "DK", validate: rules(v("DK", "cvr")) },
  EE: { country: "EE", validate: rules(v("EE", "kmkr")) },
  EL: { country: "GR", validate: rules(v("GR", "vat")) },
  ES: { country: "ES", validate: rules(v("ES", "nif")) },
  FI: { country: "FI", validate: rules(v("FI", "alv")) },
  FR: { country: "FR", validate: rules(v("FR", "tva")) },
  HR: { country: "HR", validate: rules(v("HR", "oib")) },
  HU: { country: "HU", validate: rules(v("HU", "anum")) },
  IE: { country: "IE", validate: rules(v("IE", "vat")) },
  IT: { country: "IT", validate: rules(v("IT", "iva")) },
  LT: { country: "LT", validate: rules(v("LT", "pvm")) },
  LU: { country: "LU", validate: rules(v("LU", "tva")) },
  LV: { country: "LV", validate: rules(v("LV", "pvn")) },
  MT: { country: "MT", validate: rules(v("MT", "vat")) },
  NL: { country: "NL", validate: nlVat },
  PL: { country: "PL", validate: rules(v("PL", "nip")) },
  PT: { country: "PT", validate: rules(v("PT", "nif")) },
  RO: { country: "RO", validate: rules(v("RO", "cif")) },
  SE: { country: "SE", validate: rules(v("SE", "vat")) },
  SI: { country: "SI", validate: rules(v("SI", "ddv")) },
  SK: { country: "SK", validate: skVat },

  GB: { country: "GB", validate: gbVat },
  // Northern Ireland's traders use XI with their UK number, for trade in goods under the
  // EU's rules. Northern Ireland has no ISO code of its own: its companies give GB as their
  // country, so XI is accepted for a GB address only. It changes no invoice: services to
  // Northern Ireland are supplies to the UK, outside EU reverse charge.
  XI: { country: "GB", validate: (vat) => gbVat(`GB${vat.slice(2)}`) },
  CH: { country: "CH", validate: (vat) => (/^CHE\d{9}$/.test(vat) ? chUid(vat) : chVat(vat)) },
  NO: { country: "NO", validate: (vat) => noMva(/^NO\d{9}$/.test(vat) ? `${vat}MVA` : vat) },
  AD: { country: "AD", validate: afterPrefix(rules(v("AD", "nrt"))) },
  BR: { country: "BR", validate: afterPrefix(rules(v("BR", "cnpj"))) },
  RS: { country: "RS", validate: rules(v("RS", "pib")) },
  RU: { country: "RU", validate: afterPrefix(rules(v("RU", "inn"))) },
};

/**
 * Checks a normalized VAT number ("BE1001686633": upper case, no separators) against the
 * company's country.
 */
export function checkVatNumber(vat: string, companyCountry: string): VatCheck {
  const prefix = vat.slice(0, 2);
  const scheme = /^[A-Z]{2}$/.test(prefix) ? SCHEMES[prefix] : undefined;
  if (!scheme) return { ok: false, problem: prefix === "GR" && companyCountry === "GR" ? "greek-prefix" : "prefix" };
  if (scheme.country !== companyCountry) return { ok: false, problem: "country", prefix, numberCountry: scheme.country };
  const outcome = scheme.validate(vat);
  return outcome === "ok" ? { ok: true } : { ok: false, problem: outcome };
}

/**
 * Tax numbers other than VAT numbers that are checked (their country has no VAT scheme
 * above), named with their article for messages, with an example of their format.
 */
const OTHER_SCHEMES: Record<string, { name: string; validator: Validator; example: string; formatted?: true }> = {
  US: { name: "EIN", validator: v("US", "ein"), example: "12-3456789", formatted: true },
  CA: { name: "GST/HST number", validator: v("CA", "bn"), example: "123456782 or 123456782RT0001" },
  AU: { name: "ABN", validator: v("AU", "abn"), example: "51 824 753 556", formatted: true },
  IN: { name: "GSTIN", validator: v("IN", "gstin"), example: "27AAPFU0939F1ZV" },
};

/** Whether the company's country has VAT numbers that `checkVatNumber` checks. */
export function hasVatScheme(country: string): boolean {
  return Object.values(SCHEMES).some((scheme) => scheme.country === country);
}

/**
 * Checks a normalized tax number of a country without a VAT scheme (an EIN, an ABN);
 * a country without a check of its own accepts any. The message when it is wrong.
 */
export function checkOtherTaxId(value: string, country: string): string | null {
  const scheme = OTHER_SCHEMES[country];
  if (!scheme) return null;
  const result = scheme.validator.validate(value);
  if (result.isValid) return null;
  return result.error?.name === "InvalidChecksum"
    ? `This ${scheme.name}'s check digits are wrong; please check it.`
    : `This is not the format of ${/^[AEIOU]/.test(scheme.name) ? "an" : "a"} ${scheme.name}, such as ${scheme.example}.`;
}

/** A stored tax number as people write it ("12-3456789" for an EIN); others as stored. */
export function formatTaxId(value: string, country: string): string {
  const scheme = OTHER_SCHEMES[country];
  if (!scheme?.formatted) return value;
  const result = scheme.validator.validate(value);
  return result.isValid ? scheme.validator.format(value) : value;
}
