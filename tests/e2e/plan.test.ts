import { describe, expect, it } from "vitest";
import { submitTampered } from "./actions";
import { appUrl, signIn, skipReason, useBrowser } from "./browser";

const BILLING = "/dashboard/account/billing";
const PLAN = `${BILLING}/plan`;

describe.skipIf(!!skipReason)("managing the plan", () => {
  const browser = useBrowser();

  it("a brand-new account chooses a plan and a package, then its auto top-up", async () => {
    const context = await browser().newContext();
    const page = await signIn(context, "admin@starter.test");
    await page.getByRole("link", { name: "Choose a plan" }).click();
    await page.waitForURL(appUrl(PLAN));
    await page.getByTestId("plan-essential").click();
    await page.getByLabel("Domestic unlimited").check();
    await page.getByRole("button", { name: "Preview plan" }).click();
    await expect.poll(() => page.getByTestId("plan-preview").textContent()).toBe(
      "Essential, billed monthly, for 1 seat, with Domestic unlimited.€30.00 each month, invoiced when the month ends and charged to your saved payment method.",
    );
    await page.getByRole("button", { name: "Start plan" }).click();
    await page.waitForURL(appUrl(`${BILLING}/auto-top-up`));
    await page.getByLabel("Top up automatically").check();
    await page.getByLabel(/^When the balance drops below/).fill("20");
    await page.getByLabel(/^Add/).fill("50");
    await page.getByRole("button", { name: "Save auto top-up" }).click();
    await page.waitForURL(appUrl(BILLING));
    expect(await page.getByTestId("plan-name").textContent()).toBe("Essential");
    expect(await page.locator("#usage").textContent()).toContain("Domestic unlimited");
    await context.close();
  });

  it("moves Europe to Asia with the provider's preview, undoes it, then cancels and resumes", async () => {
    const context = await browser().newContext();
    const page = await signIn(context, "admin@planner.test", PLAN);
    await page.getByLabel("Europe").uncheck();
    await page.getByLabel("Asia").check();
    await page.getByRole("button", { name: "Preview change" }).click();
    const preview = page.getByTestId("plan-preview");
    await expect.poll(() => preview.textContent()).toMatch(
      /^Now: Asia is added\. €\d+\.\d\d is added to your next invoice for the rest of this period\.At the renewal on .+: Europe is removed\. Until then nothing changes, and you can undo it\.From .+ each renewal costs €255\.00 \(now €240\.00\)\.$/,
    );
    await page.getByRole("button", { name: "Confirm change" }).click();
    await page.waitForURL(appUrl(BILLING));
    await expect.poll(() => page.getByTestId("plan-status").textContent()).toMatch(/^A change of plan is scheduled for /);

    await page.goto(appUrl(PLAN));
    expect(await page.getByTestId("scheduled-change").textContent()).toMatch(/Scheduled for .+: Europe is removed\./);
    await page.getByRole("button", { name: "Undo scheduled change" }).click();
    await expect.poll(() => page.getByTestId("scheduled-change").count()).toBe(0);
    await page.getByLabel("Europe").waitFor();
    expect(await page.getByLabel("Europe").isChecked(), "Europe stays").toBe(true);

    await page.reload();
    await page.getByLabel("It costs too much").check();
    await page.getByRole("button", { name: "Cancel at the end of the period" }).click();
    await expect.poll(() => page.getByTestId("cancel-notice").textContent()).toMatch(/^Your subscription is canceled and ends on .+ \(It costs too much\)/);
    await page.goto(appUrl(BILLING));
    expect(await page.getByTestId("plan-status").textContent()).toMatch(/^Canceled: the subscription ends on .+ credit is not refunded/);
    await page.goto(appUrl(PLAN));
    await page.getByRole("button", { name: "Resume subscription" }).click();
    await expect.poll(() => page.getByTestId("current-plan").textContent()).toMatch(/Renews on /);
    await context.close();
  });

  it("refuses a tampered interval at the field, and an agent both the page and the action", async () => {
    const context = await browser().newContext();
    const page = await signIn(context, "admin@planner.test", PLAN);
    const requestPromise = page.waitForRequest((r) => r.method() === "POST" && !!r.headers()["next-action"]);
    await submitTampered(page, () => page.getByRole("button", { name: "Preview change" }).click(), { interval: "-1" });
    await expect.poll(() => page.locator("#interval-error").textContent()).toBe("Choose monthly or yearly billing.");
    const request = await requestPromise;

    const agent = await browser().newContext();
    const agentPage = await signIn(agent, "agent@planner.test", PLAN);
    const heading = agentPage.getByRole("heading", { level: 1 });
    await heading.waitFor();
    expect(await heading.textContent()).toBe("403 · Admins only");
    const { cookie: _adminCookie, ...headers } = request.headers();
    const response = await agent.request.post(appUrl(PLAN), { headers, data: request.postData() ?? "" });
    expect(await response.text()).toContain("Only admins can change billing.");
    await agent.close();
    await context.close();
  });
});
