import { describe, expect, it } from "vitest";
import { safeReturnPath } from "@/lib/auth/access";
import { can } from "@/lib/auth/permissions";

describe("permissions", () => {
  it("gives billing to admins only", () => {
    expect(can("admin", "billing.view")).toBe(true);
    expect(can("admin", "billing.manage")).toBe(true);
    for (const role of ["supervisor", "agent"] as const) {
      expect(can(role, "billing.view")).toBe(false);
      expect(can(role, "billing.manage")).toBe(false);
      expect(can(role, "billing.export")).toBe(false);
      expect(can(role, "dashboard.view")).toBe(true);
    }
  });
});

describe("return path after sign-in", () => {
  it("keeps paths of this app", () => {
    expect(safeReturnPath("/dashboard/account/billing")).toBe("/dashboard/account/billing");
    expect(safeReturnPath("/dashboard?tab=1")).toBe("/dashboard?tab=1");
  });

  it.each(["https://evil.test/", "//evil.test/x", "/\\evil.test", "javascript:alert(1)", "", null, undefined])(
    "sends %s to the dashboard instead",
    (value) => {
      expect(safeReturnPath(value)).toBe("/dashboard");
    },
  );
});
