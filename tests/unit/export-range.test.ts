import { describe, expect, it } from "vitest";
import { rangeProblem } from "@/lib/exports/range";

describe("an export's date range", () => {
  it.each([
    ["2026-10-01", "2026-10-31", null],
    ["2026-10-01", "2026-10-01", null],
    ["2021-01-01", "2025-12-31", null],
    ["", "2026-10-31", "from"],
    ["2026-02-30", "2026-03-31", "from"],
    ["01/10/2026", "2026-10-31", "from"],
    ["2026-10-01", "2026-13-01", "to"],
    ["2026-10-31", "2026-10-01", "order"],
    ["2019-01-01", "2026-01-02", "length"],
  ])("%s to %s: %s", (from, to, problem) => {
    expect(rangeProblem(from, to)).toBe(problem);
  });
});
