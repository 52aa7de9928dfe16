import type { BrowserContext, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { appUrl, signIn, skipReason, useBrowser } from "./browser";

/**
 * Email notices end to end: an admin sets the low-balance alert, the telephony platform
 * reports a call that takes the balance below it, and the email arrives in the inbox
 * the app sends to. Logic is covered by tests/db/notices.test.ts; this is the path a
 * person takes.
 */

const TOKEN = "e2e-platform-token-0123456789";

describe.skipIf(!!skipReason)("email notices", () => {
  const browser = useBrowser();
  let context: BrowserContext;
  /** The admin's "Save alert" request, as the browser sent it. */
  let saveAlert: Request;

  beforeAll(async () => {
    context = await browser().newContext();
  });
  afterAll(async () => {
    await context?.close();
  });

  it("sets the low-balance alert, and a call that crosses it brings one email to the admin", async () => {
    const page = await signIn(context, "admin@notify.test", "/dashboard/account/billing/auto-top-up");
    await page.getByLabel("Email when the balance drops below (EUR)").fill("40");
    const sent = page.waitForRequest((r) => r.method() === "POST" && !!r.headers()["next-action"]);
    await page.getByRole("button", { name: "Save alert" }).click();
    saveAlert = await sent;
    await expect.poll(() => page.getByRole("status").textContent()).toContain("an email when the balance drops below €40.00");

    // 3 hours to Japan at 0.06 a minute: 10.80, from 50.00 to 39.20.
    const response = await fetch(appUrl("/api/usage/events"), {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({
        records: [
          { id: `notify-${Date.now()}`, account: "notify", kind: "call", direction: "outbound", from: "+4930444444", to: "+81312345678", startedAt: new Date(Date.now() - 3 * 3_600_000 - 60_000).toISOString(), durationSeconds: 10_800 },
        ],
      }),
    });
    expect(((await response.json()) as { results: { status: string; amount: string }[] }).results).toMatchObject([{ status: "rated", amount: "10.80" }]);

    const inbox = await context.newPage();
    await expect
      .poll(
        async () => {
          await inbox.goto(inject("inboxUrl"));
          return inbox.getByRole("link", { name: /Credit is running low: €39\.20 left · Notify Ltd/ }).count();
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe(1);
    await inbox.getByRole("link", { name: /Credit is running low/ }).click();
    await expect.poll(() => inbox.locator("body").textContent()).toContain("To admin@notify.test");
    const email = inbox.frameLocator("iframe[title=Email]");
    expect(await email.getByRole("heading", { name: "Your credit is running low" }).isVisible()).toBe(true);
    expect(await email.getByRole("link", { name: "Email settings for this notice" }).getAttribute("href")).toBe(
      appUrl("/dashboard/account/billing/notifications#notice-low-balance"),
    );

    // The notifications page lists it as sent.
    await page.goto(appUrl("/dashboard/account/billing/notifications"));
    await expect.poll(() => page.getByTestId("recent-notices").textContent()).toMatch(/Low balance.*Sent.*To admin@notify\.test/);
  });

  it("refuses the notifications page and the alert's action to an agent, and changes nothing", async () => {
    const agent = await browser().newContext();
    try {
      const page = await signIn(agent, "agent@notify.test", "/dashboard/account/billing/notifications");
      await page.getByRole("heading", { name: "403 · Admins only" }).waitFor();
      const { cookie: _adminCookie, ...headers } = saveAlert.headers();
      const body = (saveAlert.postData() ?? "").replace(/(name="[^"]*lowBalanceThreshold"\r\n\r\n)40/, "$1" + "1");
      const response = await agent.request.post(appUrl("/dashboard/account/billing/auto-top-up"), { headers, data: body });
      expect(await response.text()).toContain("Only admins can change billing.");
    } finally {
      await agent.close();
    }
    const admin = await context.newPage();
    await admin.goto(appUrl("/dashboard/account/billing/auto-top-up"));
    expect(await admin.getByLabel("Email when the balance drops below (EUR)").inputValue()).toBe("40.00");
  });
});
