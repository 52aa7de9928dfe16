import { describe, expect, it } from "vitest";
import { submitTampered, pageShows } from "./actions";
import { appUrl, signIn, skipReason, useBrowser } from "./browser";

describe.skipIf(!!skipReason)("users behind seats", () => {
  const browser = useBrowser();

  it("deactivating a user frees a seat, shuts them out, and shows in the billing changes", async () => {
    const context = await browser().newContext();
    const page = await signIn(context, "admin@team.test", "/dashboard/account/users");
    expect(await page.getByTestId("users-seats").textContent()).toContain("2 of 5 seats in use");
    expect(await page.getByRole("button", { name: "Deactivate Admin" }).count()).toBe(0); // not yourself

    // Someone else's user id (a UUID of no user here) is refused.
    await submitTampered(page, () => page.getByRole("button", { name: "Deactivate Agent" }).click(), {
      userId: "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    });
    expect(await pageShows(page, "This user is not in your account.")).toBe(true);

    await page.reload();
    await page.getByRole("button", { name: "Deactivate Agent" }).click();
    await expect.poll(() => page.getByTestId("users-seats").textContent()).toContain("1 of 5 seats in use");
    await page.goto(appUrl("/dashboard/account/billing"));
    expect(await page.getByTestId("seats").textContent()).toBe("1 of 5");
    expect(await page.getByTestId("activity").textContent()).toContain("Deactivated Agent (agent@team.test), freeing a seat");

    const agent = await browser().newContext();
    const agentPage = await signIn(agent, "agent@team.test");
    expect(new URL(agentPage.url()).pathname).toBe("/no-access");
    await agent.close();
    await context.close();
  });

  it("keeps the users list to admins", async () => {
    const context = await browser().newContext();
    const page = await signIn(context, "agent@acme.test", "/dashboard");
    const response = await page.goto(appUrl("/dashboard/account/users"));
    expect(response?.status()).toBe(403);
    await context.close();
  });
});
