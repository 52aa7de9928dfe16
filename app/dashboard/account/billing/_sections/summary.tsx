import Link from "next/link";
import { accountFormat } from "@/lib/format";
import { Section } from "../_components/section";
import { loadAccount, loadStatement } from "../_data";
import { ColumnHeads } from "../_components/column-heads";

const CHANGE_LABELS = { added: "Added", released: "Released", removed: "Removed" } as const;

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
  const { summary, period, numbersChanged } = statement;
  const lastDay = new Date(period.end.getTime() - 1);
  return (
    <Section id="summary" title="Current plan and services summary">
      <p className="text-slate-600">
        {f.date(period.start)} to {f.date(lastDay)}, amounts in {account.currency}, excluding VAT.
      </p>
      <table
        className="mt-3 w-full text-sm [&_tbody]:border-t [&_tbody]:border-slate-200 [&_tbody_td]:py-1 [&_tbody_td]:align-top"
        data-testid="summary"
      >
        <ColumnHeads
          columns={[{ label: "Item" }, { label: "Quantity", numeric: true }, { label: "Unit price", numeric: true }, { label: "Total", numeric: true }]}
        />
        {summary.groups.map((group) => (
          <tbody key={group.key} data-group={group.key}>
            <tr>
              <th scope="rowgroup" colSpan={4} className="pt-3 pb-1 text-left font-semibold">
                {group.title}
              </th>
            </tr>
            {group.lines.length === 0 ? (
              <tr>
                <td colSpan={4} className="text-slate-500">
                  None
                </td>
              </tr>
            ) : null}
            {group.lines.map((line, index) => (
              <tr key={`${line.item}-${index}`} data-line>
                <td className="pr-2">
                  {line.item}
                  {line.change ? (
                    <span className={`badge ${line.change.kind === "added" ? "bg-emerald-100 text-emerald-900" : "bg-slate-200 text-slate-800"}`}>
                      {CHANGE_LABELS[line.change.kind]}
                      {line.change.at ? ` ${f.date(line.change.at)}` : ""}
                    </span>
                  ) : null}
                  {line.detail ? <span className="note">{line.detail}</span> : null}
                  {line.paidFromCredit ? <span className="note">Paid from credit</span> : null}
                </td>
                <td className="qty">{line.quantityLabel ?? f.number(line.quantity)}</td>
                <td className="fig">{line.unitPrice === null ? "Varies" : f.money(line.unitPrice)}</td>
                <td className="fig" data-total={line.total}>
                  {f.money(line.total)}
                </td>
              </tr>
            ))}
            {group.lines.some((line) => line.change && !line.change.at) ? (
              <tr>
                <td colSpan={4} className="text-xs">
                  <Link href="/dashboard/account/billing/numbers" className="text-indigo-700 underline">
                    See the {numbersChanged} numbers added or released this period, one by one
                  </Link>
                </td>
              </tr>
            ) : null}
            <tr data-subtotal={group.subtotal}>
              <td colSpan={3} className="text-right text-slate-600">
                {group.title} subtotal
              </td>
              <td className="text-right font-medium tabular-nums">{f.money(group.subtotal)}</td>
            </tr>
          </tbody>
        ))}
        <tfoot className="border-t-2 border-slate-300">
          <tr>
            <th scope="row" colSpan={3} className="pt-2 pr-3 text-right font-semibold text-slate-900">
              Total for the period, excluding VAT
            </th>
            <td className="pt-2 text-right text-base font-semibold tabular-nums" data-testid="grand-total">
              {f.money(summary.total)}
            </td>
          </tr>
          {summary.paidFromCredit > 0 ? (
            <tr>
              <td colSpan={4} className="pt-1 text-right text-xs text-slate-500">
                of which {f.money(summary.paidFromCredit)} paid from credit
              </td>
            </tr>
          ) : null}
        </tfoot>
      </table>
    </Section>
  );
}
