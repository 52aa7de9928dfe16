import { describe, expect, it } from "vitest";
import { assertDevIdpAllowed, DevIdpRefused, startDevIdp } from "@/scripts/dev-idp/server";
import { demoDirectory } from "@/scripts/dev-idp/directory";

describe("development identity provider", () => {
  it("refuses to start in production without the demo's explicit opt-in", async () => {
    expect(() => assertDevIdpAllowed({ NODE_ENV: "production" })).toThrow(DevIdpRefused);
    expect(() => assertDevIdpAllowed({ NODE_ENV: "production", DEV_IDP_ENABLED: "1" })).toThrow(DevIdpRefused);
    await expect(
      startDevIdp({ port: 0, clients: [], directory: [], env: { NODE_ENV: "production" } }),
    ).rejects.toThrow(/does not start when NODE_ENV=production/);
    expect(() => assertDevIdpAllowed({ NODE_ENV: "production", DEV_IDP_ENABLED: "true" })).not.toThrow();
    expect(() => assertDevIdpAllowed({ NODE_ENV: "development" })).not.toThrow();
  });

  it("publishes OpenID Connect discovery for its issuer", async () => {
    const idp = await startDevIdp({
      port: 0,
      issuer: "http://localhost:0",
      clients: [{ clientId: "c", clientSecret: "s", redirectUris: ["http://localhost:1/cb"] }],
      directory: demoDirectory(),
      env: { NODE_ENV: "test" },
    });
    try {
      const response = await fetch(`http://127.0.0.1:${idp.port}/.well-known/openid-configuration`);
      const discovery = (await response.json()) as Record<string, unknown>;
      expect(response.status).toBe(200);
      expect(discovery.issuer).toBe("http://localhost:0");
      expect(discovery.code_challenge_methods_supported).toContain("S256");
    } finally {
      await idp.close();
    }
  });

  it("knows the demo logins of the product", () => {
    const emails = demoDirectory().map((p) => p.email);
    for (const email of ["admin@acme.test", "agent@acme.test", "admin@globex.test"]) {
      expect(emails).toContain(email);
    }
    expect(new Set(demoDirectory().map((p) => p.password))).toEqual(new Set(["demo"]));
  });
});
