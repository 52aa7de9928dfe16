import type { AccountFormat } from "@/lib/format";
import type { Charge } from "@/lib/usage/spend";

/** Minutes of talk (rounded up once, over the total, as the billing page says them), and SMS fragments under them. */
export function Quantity({ row, f }: { row: { seconds: number; fragments: number }; f: AccountFormat }) {
  const sms = row.fragments > 0 ? `${f.number(row.fragments)} SMS` : null;
  if (row.seconds === 0 && sms) return sms;
  return (
    <>
      {f.number(Math.ceil(row.seconds / 60))} min
      {sms ? <span className="note">{sms}</span> : null}
    </>
  );
}

const clock = (seconds: number) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;

function what(charge: Charge): string {
  if (charge.kind === "sms") return `SMS${charge.direction === "inbound" ? " received" : ""}, ${charge.fragments} ${charge.fragments === 1 ? "fragment" : "fragments"}`;
  const call = charge.forwarded ? "Forwarded leg" : charge.direction === "inbound" ? "Inbound call" : "Call";
  return `${call}, ${clock(charge.durationSeconds ?? 0)}`;
}

/** A row's individual charges: time, from, to, duration, amount and why. */
export function ChargeList({ charges, f }: { charges: Charge[]; f: AccountFormat }) {
  if (charges.length === 0) return <p className="mt-3 text-sm text-slate-600">No charges in this period.</p>;
  return (
    <ul role="list" className="mt-3 divide-y divide-slate-100 text-sm" data-testid="charges">
      <li aria-hidden className="hidden gap-3 py-2 text-xs font-medium uppercase tracking-wide text-slate-500 md:grid md:grid-cols-[11rem_1fr_8rem_6rem]">
        <span>Time</span>
        <span>From → to</span>
        <span>Duration</span>
        <span className="text-right">Amount</span>
      </li>
      {charges.map((charge) => (
        <li key={charge.id} data-testid="charge" className="charge">
          <span className="text-slate-600">{f.dateTime(charge.startedAt)}</span>
          <span className="col-span-2 break-all md:col-span-1">
            {charge.from} → {charge.to}
            {charge.user ? <span className="note">{charge.user}</span> : null}
          </span>
          <span className="text-slate-600">{what(charge)}</span>
          <span className="fig row-start-1 col-start-2 md:col-start-auto md:row-start-auto" data-amount={charge.amount}>
            {f.money(charge.amount)}
          </span>
          <span className="col-span-2 md:col-span-4" data-testid="charge-reason">
            Why: {charge.reason}
          </span>
        </li>
      ))}
    </ul>
  );
}
