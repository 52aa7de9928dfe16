import { describe, expect, it } from "vitest";
import { readJsonBody } from "@/lib/usage/platform-request";

const request = (body: BodyInit, headers: Record<string, string>) =>
  new Request("http://localhost/api/usage/events", { method: "POST", body, headers });

describe("the platform's request body", () => {
  it.each([
    ["application/json"],
    ["application/json; charset=utf-8"],
    ["Application/JSON;charset=UTF-8"],
    ['application/json; charset="utf-8"'],
  ])("reads JSON sent as %s", async (contentType) => {
    expect(await readJsonBody(request('{"records": [1]}', { "content-type": contentType }), 1_000)).toEqual({
      ok: true,
      body: { records: [1] },
    });
  });

  it.each<[string, Record<string, string>, number, string]>([
    ["text/plain", { "content-type": "text/plain" }, 415, "the body must be JSON, sent with Content-Type: application/json (not text/plain)"],
    ["a form", { "content-type": "application/x-www-form-urlencoded" }, 415, "the body must be JSON, sent with Content-Type: application/json (not application/x-www-form-urlencoded)"],
    ["a type that only starts like JSON", { "content-type": "application/jsonp" }, 415, "the body must be JSON, sent with Content-Type: application/json (not application/jsonp)"],
    ["no Content-Type", {}, 415, "the body must be JSON, sent with Content-Type: application/json (none was given)"],
    ["another charset", { "content-type": "application/json; charset=latin1" }, 415, "the body must be UTF-8 JSON (not charset latin1)"],
    ["a body over the limit", { "content-type": "application/json" }, 413, "the body may be at most 10 bytes"],
    ["JSON that does not parse", { "content-type": "application/json" }, 400, "the body is not valid JSON"],
  ])("refuses %s", async (name, headers, status, error) => {
    const body = name === "a body over the limit" ? '{"records": [1, 2, 3]}' : name === "JSON that does not parse" ? "{records" : '{"records": []}';
    // A body sent without a type: bytes, which no Content-Type is derived from.
    const sent = request(new TextEncoder().encode(body), headers);
    expect(sent.headers.get("content-type"), "the request's Content-Type").toBe(headers["content-type"] ?? null);
    expect(await readJsonBody(sent, 10)).toEqual({ ok: false, status, error });
  });
});
