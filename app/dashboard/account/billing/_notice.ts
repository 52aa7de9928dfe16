import { cookies } from "next/headers";
import { getEnv } from "@/lib/env";
import { openText, sealText } from "@/lib/security/sealed-text";

/**
 * What a save on a billing sub-page did, said once on the billing page it returns to. The
 * action writes it, built from what was saved, into a short-lived sealed cookie; the page
 * shows it and the browser then drops the cookie, so a reload does not show it again and
 * no link can make the page say anything else.
 */

export const NOTICE_COOKIE = "billing_notice";
export const NOTICE_PATH = "/dashboard/account/billing";
const PURPOSE = "billing-saved-notice";
const LIFETIME_SECONDS = 60;

/** From a server action: the notice for the billing page's next render. */
export async function setSavedNotice(text: string): Promise<void> {
  const env = getEnv();
  (await cookies()).set(NOTICE_COOKIE, sealText(text, env.NEXTAUTH_SECRET, PURPOSE), {
    path: NOTICE_PATH,
    maxAge: LIFETIME_SECONDS,
    sameSite: "lax",
    secure: env.NEXTAUTH_URL.startsWith("https:"),
    // Read by the page's script only to delete it once shown.
    httpOnly: false,
  });
}

/** The notice waiting for the billing page, if one was set by this server and is still fresh. */
export async function readSavedNotice(): Promise<string | null> {
  const value = (await cookies()).get(NOTICE_COOKIE)?.value;
  return openText(value, getEnv().NEXTAUTH_SECRET, PURPOSE);
}
