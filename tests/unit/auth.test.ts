import { describe, expect, it } from "vitest";
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
