import { describe, expect, it } from "vitest";
import { EnvError, getEnv } from "@/lib/env";

const valid = {
  NEXTAUTH_URL: "http://localhost:3000",
  NEXTAUTH_SECRET: "x".repeat(32),
  OIDC_ISSUER: "http://localhost:3001",
  OIDC_CLIENT_ID: "billing-console",
  OIDC_CLIENT_SECRET: "secret",
};

describe("environment", () => {
  it("parses a complete environment with defaults", () => {
    const env = getEnv({ ...valid });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.PGLITE_DIR).toBe(".data/pglite");
    expect(env.DATABASE_POOL_MAX).toBe(10);
    expect(env.OIDC_DISPLAY_NAME).toBe("SSO");
    expect(env.OIDC_ALLOW_UNVERIFIED_EMAIL).toBe(false);
  });

  it("treats an empty DATABASE_URL as unset and accepts postgres URLs", () => {
    expect(getEnv({ ...valid, DATABASE_URL: "" }).DATABASE_URL).toBeUndefined();
    expect(getEnv({ ...valid, DATABASE_URL: "postgresql://u@h/db" }).DATABASE_URL).toBe("postgresql://u@h/db");
  });

  it("takes a replica only beside a Postgres primary, and only as a postgres:// URL", () => {
    const primary = "postgres://u@h:5432/db";
    expect(getEnv({ ...valid, DATABASE_URL: primary, DATABASE_REPLICA_URL: "postgres://u@h:5433/db" }).DATABASE_REPLICA_URL).toBe("postgres://u@h:5433/db");
    expect(getEnv({ ...valid, DATABASE_URL: primary, DATABASE_REPLICA_URL: "" }).DATABASE_REPLICA_URL).toBeUndefined();
    expect(() => getEnv({ ...valid, DATABASE_REPLICA_URL: "postgres://u@h:5433/db" })).toThrow(
      /DATABASE_REPLICA_URL: needs DATABASE_URL: a replica is of a Postgres primary/,
    );
    expect(() => getEnv({ ...valid, DATABASE_URL: primary, DATABASE_REPLICA_URL: "mysql://x" })).toThrow(/DATABASE_REPLICA_URL: must be a postgres:\/\/ URL/);
  });

  it("names every missing or malformed variable in one clear error", () => {
    const run = () =>
      getEnv({ DATABASE_URL: "mysql://x", NEXTAUTH_SECRET: "short", OIDC_ALLOW_UNVERIFIED_EMAIL: "yes" });
    expect(run).toThrow(EnvError);
    expect(run).toThrow(/OIDC_CLIENT_ID: is required/);
    try {
      run();
    } catch (error) {
      const message = (error as Error).message;
      for (const name of [
        "DATABASE_URL",
        "NEXTAUTH_URL",
        "NEXTAUTH_SECRET",
        "OIDC_ISSUER",
        "OIDC_CLIENT_ID",
        "OIDC_CLIENT_SECRET",
        "OIDC_ALLOW_UNVERIFIED_EMAIL",
      ]) {
        expect(message).toContain(name);
      }
      expect(message).toContain(".env.example");
    }
  });

  it("refuses a short platform token", () => {
    expect(() => getEnv({ ...valid, PLATFORM_API_TOKEN: "short" })).toThrow(/PLATFORM_API_TOKEN/);
  });
});
