import { describe, expect, it } from "vitest";
import { DEFAULT_RETURN_PATH, safeRedirectUrl, safeReturnPath } from "@/lib/auth/return-path";

const SITE = "http://app.test";

/** Where a browser on this site would go for a Location header of `value` (WHATWG URL parsing). */
const browserTarget = (value: string) => new URL(value, `${SITE}/login`);

const ESCAPES = [
  "/\t/evil.example/phish",
  "/\n/evil.example/phish",
  "/\r\n/evil.example/phish",
  "/\\evil.example/phish",
  "//evil.example/phish",
  "\t//evil.example/phish",
  "https://evil.example/phish",
];

const ENCODED_ESCAPES = [
  "/%09/evil.example/phish",
  "/%0A/evil.example/phish",
  "/%0D%0A/evil.example/phish",
  "/%2F%2Fevil.example/phish",
  "/%2f/evil.example/phish",
  "/%5Cevil.example/phish",
  "/%5cevil.example/phish",
  "/%252F%252Fevil.example/phish",
  "/%25252F%25252Fevil.example/phish",
];

describe("the return path after sign-in", () => {
  it.each([
    ["/dashboard/account/billing", "/dashboard/account/billing"],
    ["/dashboard?tab=1", "/dashboard?tab=1"],
    ["/dashboard/account/billing/seats", "/dashboard/account/billing/seats"],
    ["/dashboard/account/billing#credit", "/dashboard/account/billing#credit"],
    ["/dashboard?from=%2Fdashboard", "/dashboard?from=%2Fdashboard"],
    ["/login?signedOut=1", "/login?signedOut=1"],
    ["/dashboard/../dashboard/account", "/dashboard/account"],
  ])("keeps %j as %j", (value, expected) => {
    expect(safeReturnPath(value)).toBe(expected);
  });

  it.each(ESCAPES)("these leave the site in a browser: %j", (value) => {
    expect(browserTarget(value).host, "the attack is real").toBe("evil.example");
  });

  it.each([...ESCAPES, ...ENCODED_ESCAPES])("sends %j to the default path", (value) => {
    expect(safeReturnPath(value)).toBe(DEFAULT_RETURN_PATH);
  });

  it.each([
    ["a control character", "/dashboard\u0000"],
    ["DEL", "/dashboard\u007f"],
    ["a C1 control character", "/dashboard\u0085"],
    ["an encoded C1 control character", "/dashboard%C2%85"],
    ["an encoded NUL", "/dash%00board"],
    ["a backslash in the query", "/dashboard?next=a\\b"],
    ["a path that climbs to a second slash", "/..//evil.example"],
    ["a path that climbs to a second slash after decoding", "/%2E%2E//evil.example"],
    ["a malformed escape", "/dashboard%E0%A4%A"],
    ["an escape that is malformed after one decoding", "/dashboard%25E0%25A4%25A"],
    ["an encoding deeper than any link", "/dashboard%252525252520"],
    ["a relative path", "dashboard"],
    ["another scheme", "javascript:alert(1)"],
    ["nothing", ""],
    ["null", null],
    ["undefined", undefined],
  ])("refuses %s: %j", (_, value) => {
    expect(safeReturnPath(value)).toBe(DEFAULT_RETURN_PATH);
  });
});

describe("next-auth's redirect after sign-in and sign-out", () => {
  it.each([
    ["/dashboard/account/billing", `${SITE}/dashboard/account/billing`],
    ["/login?signedOut=1", `${SITE}/login?signedOut=1`],
    [`${SITE}/dashboard/account/billing`, `${SITE}/dashboard/account/billing`],
    [SITE, `${SITE}/`],
  ])("keeps %j as %j", (url, expected) => {
    expect(safeRedirectUrl(url, SITE)).toBe(expected);
  });

  it.each([
    ...ESCAPES,
    ...ENCODED_ESCAPES,
    `${SITE}/\t/evil.example/phish`,
    `${SITE}/\n/evil.example/phish`,
    `${SITE}//evil.example/phish`,
    `${SITE}/%2F%2Fevil.example/phish`,
    `${SITE}\\@evil.example/phish`,
    "http://app.test.evil.example/",
    "https://app.test/dashboard",
    "http://app.test:8080/dashboard",
    "javascript:alert(1)",
    "not a url",
  ])("sends %j to the default path of this site", (url) => {
    expect(safeRedirectUrl(url, SITE)).toBe(`${SITE}${DEFAULT_RETURN_PATH}`);
  });

  it("answers on the origin of next-auth's base URL", () => {
    expect(safeRedirectUrl("/dashboard", `${SITE}/`)).toBe(`${SITE}/dashboard`);
  });
});
