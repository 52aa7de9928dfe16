import { describe, expect, it } from "vitest";
import { checkPlatformToken, refusal } from "@/lib/usage/platform-auth";

const TOKEN = "platform-token-0123456789";

describe("the telephony platform's bearer token", () => {
  it("accepts the configured token, whatever the scheme's case", () => {
    expect(checkPlatformToken(`Bearer ${TOKEN}`, TOKEN)).toEqual({ ok: true });
    expect(checkPlatformToken(`bearer ${TOKEN}`, TOKEN)).toEqual({ ok: true });
  });

  it.each([
    [null, "missing bearer token: send Authorization: Bearer <platform token>"],
    ["", "missing bearer token: send Authorization: Bearer <platform token>"],
    [`Basic ${TOKEN}`, "missing bearer token: send Authorization: Bearer <platform token>"],
    ["Bearer", "missing bearer token: send Authorization: Bearer <platform token>"],
    [`Bearer ${TOKEN} extra`, "missing bearer token: send Authorization: Bearer <platform token>"],
    [`Bearer ${TOKEN}x`, "invalid platform token"],
    [`Bearer ${TOKEN.slice(0, -1)}`, "invalid platform token"],
    ["Bearer " + "x".repeat(10_000), "invalid platform token"],
  ])("refuses %j with 401: %s", (header, reason) => {
    expect(checkPlatformToken(header, TOKEN)).toEqual({ ok: false, status: 401, reason });
  });

  it("refuses everything with 503 when the server has no token configured", () => {
    const answer = checkPlatformToken(`Bearer ${TOKEN}`, undefined);
    expect(answer).toMatchObject({ ok: false, status: 503 });
    expect(checkPlatformToken(`Bearer `, "")).toMatchObject({ ok: false, status: 503 });
  });

  it("answers a 401 with the Bearer challenge, a 503 without", async () => {
    const unauthorized = refusal({ ok: false, status: 401, reason: "invalid platform token" });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("www-authenticate")).toBe('Bearer realm="platform"');
    expect(await unauthorized.json()).toEqual({ error: "invalid platform token" });
    const unavailable = refusal({ ok: false, status: 503, reason: "not configured" });
    expect(unavailable.headers.get("www-authenticate")).toBeNull();
  });
});
