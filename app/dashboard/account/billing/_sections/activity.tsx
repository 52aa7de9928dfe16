import { getRecentAudit } from "@/lib/audit/queries";
import { accountFormat } from "@/lib/format";
import { getDb } from "@/lib/db";
import { Section } from "../_components/section";
import { loadAccount } from "../_data";

export async function ActivitySection({ accountId }: { accountId: string }) {
  const account = await loadAccount(accountId);
  const entries = await getRecentAudit(await getDb(), account);
  const f = accountFormat(account);
  return (
    <Section id="activity" title="Recent billing changes">
      {entries.length === 0 ? (
        <p>No changes yet. Seats, auto top-up, credit, company details and payment method changes appear here.</p>
      ) : (
        <ol className="space-y-2" data-testid="activity">
          {entries.map((e) => (
            <li key={e.id}>
              <p className="text-slate-900">{e.what}</p>
              <p className="text-xs text-slate-500">
                {e.who}, {e.since ? `${f.date(e.since)} to ${f.dateTime(e.at)}` : f.dateTime(e.at)}
              </p>
            </li>
          ))}
        </ol>
      )}
    </Section>
  );
}
