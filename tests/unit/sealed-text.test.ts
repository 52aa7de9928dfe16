import { describe, expect, it } from "vitest";
import { openText, sealText } from "@/lib/security/sealed-text";

const SECRET = "a-test-secret-of-at-least-32-characters";

describe("sealed text (the saved notice's cookie)", () => {
  const sealed = sealText("Payment method saved: Visa ending in 4242.", SECRET, "notice");

  it("opens what this server sealed, unicode included", () => {
    expect(openText(sealed, SECRET, "notice")).toBe("Payment method saved: Visa ending in 4242.");
    expect(openText(sealText("Größe €1,00 ✓", SECRET, "notice"), SECRET, "notice")).toBe("Größe €1,00 ✓");
  });

  it.each([
    ["nothing", undefined],
    ["an empty value", ""],
    ["text without a seal", Buffer.from("You won a prize").toString("base64url")],
    ["other text with this seal", `${Buffer.from("You won a prize").toString("base64url")}.${sealed.split(".")[1]}`],
    ["a truncated seal", sealed.slice(0, -2)],
    ["a seal of another purpose", sealText("Payment method saved: Visa ending in 4242.", SECRET, "csv-link")],
    ["a seal made with another secret", sealText("Payment method saved: Visa ending in 4242.", `${SECRET}x`, "notice")],
  ])("refuses %s", (_, value) => {
    expect(openText(value, SECRET, "notice")).toBeNull();
  });
});
