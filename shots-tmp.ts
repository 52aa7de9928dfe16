import { chromium } from "playwright-core";
const base = "http://localhost:3600";
const tmp = "/tmp/notices-chrome";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"], env: { ...process.env, HOME: tmp, XDG_CONFIG_HOME: tmp, XDG_CACHE_HOME: tmp, TMPDIR: tmp } });
for (const [name, viewport] of [["390", { width: 390, height: 844 }], ["1440", { width: 1440, height: 900 }]] as const) {
  const context = await browser.newContext({ viewport, isMobile: name === "390", hasTouch: name === "390" });
  const page = await context.newPage();
  await page.goto(`${base}/dashboard/account/billing`);
  await page.getByRole("button", { name: "Sign in with SSO" }).click();
  await page.getByLabel("Email").fill("admin@acme.test");
  await page.getByLabel("Password").fill("demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.pathname.startsWith("/dashboard/account/billing"));
  await page.waitForLoadState("networkidle");
  await page.locator("#credit").screenshot({ path: `/tmp/notices-shots/credit-${name}.png` });
  for (const [file, path] of [["notifications", "/notifications"], ["company", "/company-details"], ["auto-top-up", "/auto-top-up"]]) {
    await page.goto(`${base}/dashboard/account/billing${path}`);
    await page.waitForLoadState("networkidle");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    console.log(file, name, "overflow", overflow);
    await page.screenshot({ path: `/tmp/notices-shots/${file}-${name}.png`, fullPage: true });
  }
  await context.close();
}
const inbox = await browser.newPage({ viewport: { width: 1000, height: 900 } });
await inbox.goto("http://localhost:3602/messages/1");
await inbox.screenshot({ path: "/tmp/notices-shots/email.png", fullPage: true });
await browser.close();
