import { describe, expect, it } from "vitest";
import { assertLocalDatabaseUrl, withDatabase } from "../support/local-database";

describe("test database guard", () => {
  it.each([
    "postgres://postgres@127.0.0.1:5432/test",
    "postgres://localhost/test",
    "postgresql://[::1]:5432/test",
  ])("accepts local %s", (url) => {
    expect(() => assertLocalDatabaseUrl(url)).not.toThrow();
  });

  it.each(["postgres://db.example.com/prod", "postgres://10.0.0.5/test"])("refuses %s", (url) => {
    expect(() => assertLocalDatabaseUrl(url)).toThrow(/non-local/);
  });

  it("swaps the database name only", () => {
    expect(withDatabase("postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "other")).toBe(
      "postgres://postgres@127.0.0.1:5432/other?sslmode=disable",
    );
  });
});
