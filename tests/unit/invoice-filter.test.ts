import { describe, expect, it } from "vitest";
import { invoiceFilterSchema } from "@/lib/invoices/queries";

describe("the invoices list's filters, from the query string", () => {
  it.each([
    [{}, { status: "all", year: "all" }],
    [{ status: "open" }, { status: "open", year: "all" }],
    [{ status: "uncollectible", year: "2025" }, { status: "uncollectible", year: 2025 }],
    [{ year: "all" }, { status: "all", year: "all" }],
  ])("accepts %j", (query, filter) => {
    expect(invoiceFilterSchema.parse(query)).toEqual(filter);
  });

  it.each([
    [{ status: "refunded" }, "Status must be one of open, paid, void, uncollectible or all."],
    [{ status: "draft" }, "Status must be one of open, paid, void, uncollectible or all."],
    [{ status: "' or 1=1--" }, "Status must be one of open, paid, void, uncollectible or all."],
    [{ year: "20x6" }, "Year must be a year such as 2026."],
    [{ year: "2026.5" }, "Year must be a year such as 2026."],
    [{ year: "1e3" }, "Year must be a year such as 2026."],
    [{ year: "1999" }, "Year must be from 2000 to 2100."],
    [{ year: "2101" }, "Year must be from 2000 to 2100."],
  ])("refuses %j: %s", (query, message) => {
    const parsed = invoiceFilterSchema.safeParse(query);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message)).toEqual([message]);
  });
});
