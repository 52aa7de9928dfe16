import { describe, expect, it } from "vitest";
import { type ActionResult, fromResult } from "@/lib/auth/action";
import { failureResponse } from "@/lib/http/respond";
import { fail, ok } from "@/lib/result";

const saved = (n: number): ActionResult => ({ ok: true, message: `saved ${n}` });
const typed = { amount: "abc" };

describe("a domain Result as a form's answer", () => {
  it("answers success through the action's own words", () => {
    expect(fromResult(ok(3), saved, typed)).toEqual({ ok: true, message: "saved 3" });
  });

  it.each([
    [fail("invalid", "Please correct the amount.", { amount: "Enter an amount." }), { ok: false, error: "Please correct the amount.", fieldErrors: { amount: "Enter an amount." }, values: typed }],
    [fail("not_found", "This user is not in your account."), { ok: false, error: "This user is not in your account.", outcome: "known" }],
    [fail("refused", "The plan allows up to 50 seats.", { quantity: "The plan allows up to 50 seats." }), { ok: false, error: "The plan allows up to 50 seats.", fieldErrors: { quantity: "The plan allows up to 50 seats." }, outcome: "known" }],
    [fail("unavailable", "The payment provider did not answer."), { ok: false, error: "The payment provider did not answer.", outcome: "known" }],
    [fail("unknown", "We could not confirm it yet."), { ok: false, error: "We could not confirm it yet.", outcome: "unknown" }],
  ])("answers %o as the form shows it", (result, answer) => {
    expect(fromResult(result, saved, typed)).toEqual(answer);
  });
});

describe("a domain failure as an HTTP answer", () => {
  it.each([
    ["invalid", 400],
    ["not_found", 404],
    ["refused", 422],
    ["unavailable", 503],
    ["unknown", 502],
  ] as const)("answers %s with %i and the message", async (kind, status) => {
    const response = failureResponse(fail(kind, "why").failure, { "Cache-Control": "no-store" });
    expect(response.status, "status").toBe(status);
    expect(response.headers.get("Cache-Control"), "headers").toBe("no-store");
    expect(await response.json(), "body").toEqual({ error: "why" });
  });
});
