import Link from "next/link";
import { accountFormat } from "@/lib/format";
import { basisText } from "@/lib/subscription/summary";
import { Section } from "../_components/section";
import { loadAccount, loadStatement } from "../_data";

const CHANGE_LABELS = { added: "Added", released: "Released", removed: "Removed", changed: "Changed" } as const;

/**
 * The period's bill: each line is its item with how the total comes about under it
 * (quantity × unit price, or the minutes rated), and its total in one right-aligned
 * column, so the figures never run together on a phone.
 */
export async function SummarySection({ accountId }: { accountId: string }) {
  const [account, statement] = await Promise.all([loadAccount(accountId), loadStatement(accountId)]);
  const f = accountFormat(account);
  if (!statement) {
    return (
      <Section id="summary" title="Current plan and services summary">
        <p>No plan yet, so nothing is charged.</p>
      </Section>
    );
  }
  const { summary, period, months, numbersChanged } = statement;
  const lastDay = new Date(period.end.getTime() - 1);
  return (
    <Section id="summary" title="Current plan and services summary">
      <p className="text-slate-600">
        {f.date(period.start)} to {f.date(lastDay)}
        {months > 1 ? ` (${months} months, billed yearly)` : ""}, in {account.currency}, excluding VAT.
      </p>
      <table className="bill" data-testid="summary">
        <thead className="sr-only">
          <tr>
            <th scope="col">Item</th>
            <th scope="col">Total</th>
          </tr>
        </thead>
        {summary.groups.map((group) => (
          <tbody key={group.key} data-group={group.key}>
            <tr>
              <th scope="rowgroup" colSpan={2}>
                {group.title}
              </th>
            </tr>
            {group.lines.length === 0 ? (
              <tr>
                <td colSpan={2}>None</td>
              </tr>
            ) : null}
            {group.lines.map((line, index) => (
              <tr key={`${line.item}-${index}`} data-line>
                <td>
                  {line.item}
                  {line.change ? (
                    <span className={line.change.kind === "added" ? "badge add" : "badge"}>
                      {CHANGE_LABELS[line.change.kind]}
                      {line.change.at ? ` ${f.date(line.change.at)}` : ""}
                    </span>
                  ) : null}
                  {line.basis ? <span className="note">{basisText(line.basis, f)}</span> : null}
                </td>
                <td className="fig" data-total={line.total}>
                  {f.money(line.total)}
                </td>
              </tr>
            ))}
            {group.lines.some((line) => line.change && !line.change.at) ? (
              <tr>
                <td colSpan={2} className="text-xs">
                  <Link href="/dashboard/account/billing/numbers" className="text-indigo-700 underline">
                    See the {numbersChanged} numbers added or released this period, one by one
                  </Link>
                </td>
              </tr>
            ) : null}
            <tr data-subtotal={group.subtotal}>
              <td className="text-right text-slate-600">{group.title} subtotal</td>
              <td className="fig font-medium">{f.money(group.subtotal)}</td>
            </tr>
          </tbody>
        ))}
        <tfoot>
          <tr>
            <th scope="row">Total for the period, excluding VAT</th>
            <td className="fig text-base font-semibold" data-testid="grand-total">
              {f.money(summary.total)}
            </td>
          </tr>
          {summary.paidFromCredit > 0 ? (
            <tr>
              <td colSpan={2} className="text-right text-xs text-slate-500">
                of which {f.money(summary.paidFromCredit)} paid from credit
              </td>
            </tr>
          ) : null}
        </tfoot>
      </table>
    </Section>
  );
}
