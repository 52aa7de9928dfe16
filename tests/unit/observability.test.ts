import type PgBoss from "pg-boss";
import { describe, expect, it } from "vitest";
import { checkBearer } from "@/lib/http/bearer";
import { jobHandler, withRequestId } from "@/lib/jobs/queue";
import { currentContext, currentRequestId, isWellFormedRequestId, newRequestId, runWithContext } from "@/lib/observability/context";
import { metrics } from "@/lib/observability/metrics";
import { routeNamer } from "@/lib/observability/route-patterns";

const PATTERNS = [
  "/api/auth/[...nextauth]",
  "/api/billing/credit-movements.csv",
  "/api/billing/invoices/[id]/pdf",
  "/api/health",
  "/dashboard/account/billing",
  "/dashboard/account/billing/authenticate/[attemptId]",
  "/dashboard/account/billing/plan",
  "/",
  "/_not-found",
];

describe("route names for metrics", () => {
  const name = routeNamer(PATTERNS);
  it.each([
    ["/api/health", "/api/health"],
    ["/api/health/", "/api/health"],
    ["/api/billing/invoices/7f1c2a9e-0000-4000-8000-000000000001/pdf", "/api/billing/invoices/[id]/pdf"],
    ["/api/auth/callback/oidc", "/api/auth/[...nextauth]"],
    ["/dashboard/account/billing/plan", "/dashboard/account/billing/plan"],
    ["/dashboard/account/billing/authenticate/abc", "/dashboard/account/billing/authenticate/[attemptId]"],
    ["/", "/"],
    ["/_next/static/chunks/app.js", "_next"],
    ["/wp-login.php", "other"],
    ["/api/billing/invoices/1/pdf/extra", "other"],
    ["/_not-found", "other"],
  ])("%s is %s", (path, route) => {
    expect(name(path), path).toBe(route);
  });

  it("never answers a raw path for an unknown one, so labels stay a fixed list", () => {
    const seen = new Set(Array.from({ length: 200 }, (_, i) => name(`/api/things/${i}`)));
    expect([...seen]).toEqual(["other"]);
  });
});

describe("request ids", () => {
  it("are made by the server, a new UUID for each request", () => {
    const ids = Array.from({ length: 50 }, () => newRequestId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(50);
  });

  it.each([
    ["one of ours", "0f8fad5b-d9cb-469f-a165-70867728950e", true],
    ["a caller's plain text", "caller-chosen-0001", false],
    ["a UUID in capitals", "0F8FAD5B-D9CB-469F-A165-70867728950E", false],
    ["a newline (log injection)", "0f8fad5b-d9cb-469f-a165-70867728950e\nlevel=error", false],
    ["not a string", 42, false],
  ])("read back from a job's payload: %s is kept: %s", (_, value, kept) => {
    expect(isWellFormedRequestId(value)).toBe(kept);
  });

  it("follows async work started inside its context, and only that work", async () => {
    const inside = runWithContext({ requestId: "request-one" }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return currentRequestId();
    });
    expect(await inside).toBe("request-one");
    expect(currentRequestId()).toBeUndefined();
  });
});

describe("the metrics token", () => {
  const what = { name: "metrics", variable: "METRICS_TOKEN" };
  const token = "metrics-token-0123456789";
  it.each([
    ["no server token", `Bearer ${token}`, undefined, 503],
    ["no header", null, token, 401],
    ["another scheme", `Basic ${token}`, token, 401],
    ["a wrong token", "Bearer metrics-token-0123456780", token, 401],
    ["a prefix of the token", "Bearer metrics-token", token, 401],
  ])("refuses with %s", (_, header, expected, status) => {
    expect(checkBearer(header, expected, what)).toMatchObject({ ok: false, status });
  });

  it("accepts the token", () => {
    expect(checkBearer(`Bearer ${token}`, token, what)).toEqual({ ok: true });
  });
});

describe("jobs", () => {
  const job = (id: string, data: object) => ({ id, name: "probe", data }) as unknown as PgBoss.Job<object>;

  it("works each job in the context of the request that enqueued it", async () => {
    const seen: unknown[] = [];
    const handler = jobHandler("probe", async () => {
      seen.push({ ...currentContext() });
    });
    const requestId = "0f8fad5b-d9cb-469f-a165-70867728950e";
    await handler([job("job-1", { requestId }), job("job-2", {}), job("job-3", { requestId: "bad id\n" })]);
    expect(seen).toEqual([
      { requestId, jobId: "job-1" },
      { requestId: undefined, jobId: "job-2" },
      { requestId: undefined, jobId: "job-3" },
    ]);
  });

  it("carries the current request's id into a job's payload, and nothing outside a request", () => {
    expect(runWithContext({ requestId: "request-one" }, () => withRequestId({ attemptId: "a" }))).toEqual({ attemptId: "a", requestId: "request-one" });
    expect(withRequestId({ attemptId: "a" })).toEqual({ attemptId: "a" });
  });

  it("counts a job that throws and throws it on, so pg-boss retries it", async () => {
    const failures = async () => (await metrics().jobFailures.get()).values.find((v) => v.labels.queue === "probe-failing")?.value ?? 0;
    const before = await failures();
    const handler = jobHandler("probe-failing", async () => {
      throw new Error("provider down");
    });
    await expect(handler([job("job-4", {})])).rejects.toThrow("provider down");
    expect(await failures()).toBe(before + 1);
  });
});
