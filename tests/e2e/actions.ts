import type { Page, Request } from "playwright-core";

/** Replaces (or adds) a field of a server action's multipart body. */
export function withField(body: string, field: string, value: string): string {
  const pattern = new RegExp(`(name="(?:_?\\d+_)?${field}"\\r\\n\\r\\n)[^\\r]*`);
  if (pattern.test(body)) return body.replace(pattern, (_, head: string) => `${head}${value.replace(/\$/g, "$$$$")}`);
  const boundary = body.slice(0, body.indexOf("\r\n"));
  const prefix = body.match(/name="(_?\d+)_(?!\$)/)?.[1];
  const name = prefix ? `${prefix}_${field}` : field;
  const part = `${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  // The form's fields come before the root entry ("0") that refers to them.
  const root = body.indexOf(`${boundary}\r\nContent-Disposition: form-data; name="0"`);
  return root >= 0 ? body.slice(0, root) + part + body.slice(root) : body.replace(`${boundary}--`, `${part}${boundary}--`);
}

/**
 * Sends the next server action the page submits with its fields changed, as a user who
 * crafts requests would.
 */
export async function submitTampered(page: Page, submit: () => Promise<void>, fields: Record<string, string>) {
  let sent: Request | null = null;
  await page.route(
    (url) => url.pathname.startsWith("/dashboard"),
    async (route) => {
      const request = route.request();
      if (request.method() !== "POST" || !request.headers()["next-action"]) return route.continue();
      let body = request.postData() ?? "";
      for (const [field, value] of Object.entries(fields)) body = withField(body, field, value);
      sent = request;
      await route.continue({ postData: body });
    },
  );
  const answer = page.waitForResponse((r) => r.request().method() === "POST" && !!r.request().headers()["next-action"]);
  await submit();
  const response = await answer;
  if (response.status() >= 400) throw new Error(`the action answered HTTP ${response.status()}`);
  await page.unrouteAll({ behavior: "wait" });
  if (!sent) throw new Error("no server action was sent");
}

/** Waits until the page shows `text` (the action's answer is rendered after its response). */
export async function pageShows(page: Page, text: string): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if ((await page.locator("main").innerText()).includes(text)) return true;
    await page.waitForTimeout(100);
  }
  console.error(`page does not show "${text}"; it shows:\n${await page.locator("main").innerText()}`);
  return false;
}
