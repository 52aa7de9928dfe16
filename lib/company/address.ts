import { countryName } from "@/lib/format";

/**
 * A postal address in the lines its country writes it, for the page and invoices:
 *
 * - United States: "New York, NY 10001" (city, state and ZIP code on one line).
 * - Canada and Australia: "Toronto ON M5V 2T6", "Sydney NSW 2000" (city, province or
 *   state, postal code).
 * - United Kingdom and Ireland: the post town, then the postcode on a line of its own
 *   (Royal Mail's and An Post's guidance).
 * - Most of Europe, and any country not named here: "10117 Berlin" (postal code first).
 *
 * The street comes first and the country last, as on an international letter.
 */

export interface PostalAddress {
  street: string;
  city: string;
  postalCode: string;
  /** State, province or territory, where the country's addresses name one. */
  region?: string | null;
  country: string;
}

type Locality = (a: PostalAddress) => string[];

const join = (...parts: (string | null | undefined)[]) => parts.filter((p) => p && p.trim()).join(" ");

const cityCommaRegionPostal: Locality = (a) => [join([a.city, a.region].filter((p) => p && p.trim()).join(", "), a.postalCode)];
const cityRegionPostal: Locality = (a) => [join(a.city, a.region, a.postalCode)];
const cityThenPostal: Locality = (a) => [a.city, a.postalCode].filter((p) => p.trim());
const postalCity: Locality = (a) => [join(a.postalCode, a.city)];

const LOCALITY: Record<string, Locality> = {
  US: cityCommaRegionPostal,
  CA: cityRegionPostal,
  AU: cityRegionPostal,
  GB: cityThenPostal,
  IE: cityThenPostal,
};

/** The countries whose addresses name a state, province or territory, and what it is called. */
export const REGION_LABELS: Record<string, string> = {
  US: "State",
  CA: "Province or territory",
  AU: "State or territory",
};

export function addressLines(address: PostalAddress): string[] {
  const locality = (LOCALITY[address.country] ?? postalCity)(address);
  return [address.street, ...locality, countryName(address.country)].filter((line) => line.trim());
}

/** The codes of each country's states, provinces or territories, as the post writes them. */
export const REGION_CODES: Record<string, ReadonlySet<string>> = {
  US: new Set(
    ("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY " +
      "NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI AA AE AP").split(" "),
  ),
  CA: new Set("AB BC MB NB NL NS NT NU ON PE QC SK YT".split(" ")),
  AU: new Set("ACT NSW NT QLD SA TAS VIC WA".split(" ")),
};
