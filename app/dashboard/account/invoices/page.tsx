import { redirect } from "next/navigation";

/** The invoices live with billing; this short address is kept for bookmarks and links. */
export default async function InvoicesShortcut({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(await searchParams)) {
    if (typeof value === "string") query.set(key, value);
  }
  const suffix = query.size > 0 ? `?${query}` : "";
  redirect(`/dashboard/account/billing/invoices${suffix}`);
}
