import Link from "next/link";
import type { TrendPoint } from "@/lib/credit/queries";
import type { AccountFormat } from "@/lib/format";

const WIDTH = 600;
const HEIGHT = 160;
const PAD = { top: 10, right: 8, bottom: 22, left: 8 };

/** Server-rendered SVG line of daily closing balances, with a data table as text alternative. */
export function BalanceChart({ points, format, days }: { points: TrendPoint[]; format: AccountFormat; days: number }) {
  if (points.length === 0) {
    return <p className="text-slate-500">No credit movements yet: the trend appears after the first top-up.</p>;
  }
  const values = points.map((p) => p.balance);
  const min = Math.min(0, ...values);
  const max = Math.max(0, ...values);
  const span = max - min || 1;
  const x = (i: number) => PAD.left + (i * (WIDTH - PAD.left - PAD.right)) / Math.max(points.length - 1, 1);
  const y = (v: number) => PAD.top + ((max - v) * (HEIGHT - PAD.top - PAD.bottom)) / span;
  const path = points.map((p, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(p.balance).toFixed(1)}`).join("");
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const lowest = points.reduce((a, b) => (b.balance < a.balance ? b : a));
  const summary = `Balance over the last ${days} days: ${format.money(first.balance)} on ${format.day(first.day)}, ${format.money(last.balance)} on ${format.day(last.day)}; lowest ${format.money(lowest.balance)} on ${format.day(lowest.day)}.`;
  return (
    <figure>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby="balance-chart-title balance-chart-desc"
        className="h-40 w-full"
        preserveAspectRatio="none"
      >
        <title id="balance-chart-title">{`Credit balance, last ${days} days`}</title>
        <desc id="balance-chart-desc">{summary}</desc>
        <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(0)} y2={y(0)} stroke="#94a3b8" strokeDasharray="4 4" />
        <path d={path} fill="none" stroke="#4f46e5" strokeWidth="2" vectorEffect="non-scaling-stroke" />
        <text x={PAD.left} y={HEIGHT - 6} fontSize="11" fill="#475569">
          {format.day(first.day)}
        </text>
        <text x={WIDTH - PAD.right} y={HEIGHT - 6} fontSize="11" fill="#475569" textAnchor="end">
          {format.day(last.day)}
        </text>
      </svg>
      <figcaption className="mt-1 text-xs text-slate-500">{summary}</figcaption>
      <Link href={`/dashboard/account/billing/balance?days=${days}`} className="mt-1 inline-block text-xs text-indigo-700 underline">
        Daily balances as a table
      </Link>
    </figure>
  );
}
