import { describe, expect, it } from "vitest";
import { appUrl, signIn, skipReason, useBrowser } from "./browser";

describe.skipIf(!!skipReason)("changing seats", () => {
  const browser = useBrowser();

  it("refuses fewer seats than are in use, naming their holders, then previews and makes a change", async () => {
    const context = await browser().newContext();
    const page = await signIn(context, "admin@wallet.test");
    expect(await page.getByTestId("seats").textContent()).toBe("2 of 5");
    await page.getByRole("link", { name: "Add or remove seats" }).click();
    const seats = page.getByLabel(/^Seats/);
    await seats.fill("1");
    await page.getByRole("button", { name: "Preview change" }).click();
    await expect.poll(() => page.locator("#quantity-error").textContent()).toBe(
      "2 seats are in use, so you can go down to 2 at the least. Deactivate users first to free seats. Seats are held by: Admin (admin@wallet.test), Agent (agent@wallet.test).",
    );
    expect(await seats.getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByRole("button", { name: "Confirm change" }).count()).toBe(0);

    await seats.fill("8");
    await page.getByRole("button", { name: "Preview change" }).click();
    const preview = page.getByTestId("seat-preview");
    await expect.poll(() => preview.textContent()).toMatch(
      /^5 to 8 seats: €\d+\.\d\d is charged now for the rest of this period; from .+ each renewal costs €200\.00 \(now €125\.00\)\.$/,
    );
    await page.getByRole("button", { name: "Confirm change" }).click();
    await page.waitForURL(appUrl("/dashboard/account/billing"));
    await expect.poll(() => page.getByTestId("seats").textContent()).toBe("2 of 8");
    await context.close();
  });
});
