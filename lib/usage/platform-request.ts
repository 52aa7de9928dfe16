/**
 * The body of a telephony platform request: UTF-8 JSON declared as `application/json`
 * (parameters such as `charset=utf-8` allowed), at most `maxBytes`. Anything else is
 * refused before it is read, so a form post or a text body is never rated.
 */
export type JsonBody = { ok: true; body: unknown } | { ok: false; status: 400 | 413 | 415; error: string };

/** Why a Content-Type is not JSON, or null when it is. */
function jsonContentTypeProblem(contentType: string | null): string | null {
  const expected = "the body must be JSON, sent with Content-Type: application/json";
  if (!contentType?.trim()) return `${expected} (none was given)`;
  const [type, ...parameters] = contentType.split(";");
  if (type!.trim().toLowerCase() !== "application/json") return `${expected} (not ${type!.trim()})`;
  for (const parameter of parameters) {
    const [name = "", value = ""] = parameter.split("=", 2).map((part) => part.trim());
    if (name.toLowerCase() === "charset" && value.replace(/^"(.*)"$/, "$1").toLowerCase() !== "utf-8") {
      return `the body must be UTF-8 JSON (not charset ${value})`;
    }
  }
  return null;
}

export async function readJsonBody(request: Request, maxBytes: number): Promise<JsonBody> {
  const problem = jsonContentTypeProblem(request.headers.get("content-type"));
  if (problem) return { ok: false, status: 415, error: problem };
  const tooLarge = { ok: false, status: 413, error: `the body may be at most ${maxBytes} bytes` } as const;
  if (Number(request.headers.get("content-length") ?? 0) > maxBytes) return tooLarge;
  const text = await request.text();
  if (Buffer.byteLength(text) > maxBytes) return tooLarge;
  try {
    return { ok: true, body: JSON.parse(text) };
  } catch {
    return { ok: false, status: 400, error: "the body is not valid JSON" };
  }
}
