import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { appUrl, signIn, skipReason, useAppDatabase, useBrowser } from "./browser";

const appDatabase = useAppDatabase();

describe.skipIf(!!skipReason)("editing company billing details", () => {
  const browser = useBrowser();

  it("shows a wrong VAT number at its field with what was typed, then saves and shows reverse charge", async () => {
    const context = await browser().newContext();
    const page = await signIn(context, "admin@wallet.test");
    await page.getByRole("link", { name: "Edit company billing details" }).click();
    await page.getByLabel("Company name").fill("Wallet SARL");
    await page.getByLabel("VAT number").fill("FR 40 303 265 044");
    await page.getByLabel("Invoice email").fill("Factures@Wallet.test");
    await page.getByLabel("Street and number").fill("8 rue de la Paix");
    await page.getByLabel("City").fill("Paris");
    await page.getByLabel("Postal code").fill("75002");
    await page.getByLabel("Country").selectOption("FR");
    await page.getByRole("button", { name: "Save company details" }).click();
    await expect.poll(() => page.locator("#vatNumber-error").textContent()).toBe(
      "This VAT number's check digits are wrong; please check it.",
    );
    expect(await page.getByLabel("VAT number").getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByLabel("Company name").inputValue()).toBe("Wallet SARL");
    expect(await page.getByLabel("Country").inputValue()).toBe("FR");
    const handle = appDatabase();
    if (handle) {
      const rows = await handle.db.execute(sql`select count(*)::int as n from billing_details d join accounts a on a.id = d.account_id where a.slug = 'wallet'`);
      expect((rows as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(0);
    }

    await page.getByLabel("VAT number").fill("FR 40 303 265 045");
    await page.getByRole("button", { name: "Save company details" }).click();
    await page.waitForURL(appUrl("/dashboard/account/billing"));
    const details = page.getByTestId("company-details");
    await expect.poll(() => details.textContent()).toContain("Wallet SARL");
    expect(await details.textContent()).toContain("FR40303265045");
    expect(await details.textContent()).toContain("factures@wallet.test");
    expect(await details.textContent()).toContain("France");
    expect(await page.getByTestId("reverse-charge").textContent()).toContain("you account for it in your own country (France).");
    expect(await page.getByTestId("activity").textContent()).toContain("Company details added");
    if (handle) {
      const audit = await handle.db.execute(sql`
        select l.after->>'vatNumber' as vat from audit_log l join accounts a on a.id = l.account_id
        where a.slug = 'wallet' and l.action = 'billing_details.update'`);
      expect((audit as unknown as { rows: { vat: string }[] }).rows).toEqual([{ vat: "FR40303265045" }]);
    }
    await context.close();
  });
});
