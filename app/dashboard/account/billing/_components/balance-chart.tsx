import Link from "next/link";
import type { TrendPoint } from "@/lib/credit/queries";
import type { AccountFormat } from "@/lib/format";
import { minorUnitsPerMajor } from "@/lib/money";

/** Pixel height of the chart and of its plot area (the labels sit above and below it). */
const HEIGHT = 176;
const PLOT_TOP = 16;
const PLOT_HEIGHT = 136;
/** Plot coordinates across: the plot is stretched to the width, its text is not. */
const PLOT_WIDTH = 600;

/** Round steps for the amount axis: 1, 2 or 5 times a power of ten, in whole currency units. */
function ticks(min: number, max: number, unit: number): number[] {
  const span = Math.max(max - min, unit);
  let step = unit;
  for (let power = unit; ; power *= 10) {
    const found = [1, 2, 5].map((m) => m * power).find((s) => span / s <= 3);
    if (found) {
      step = found;
      break;
    }
  }
  const from = Math.floor(min / step) * step;
  const to = Math.ceil(max / step) * step;
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out.length > 1 ? out : [from, from + step];
}

/**
 * Daily closing balances as a line, with the amount axis (in the account currency) and
 * dates below, the auto top-up threshold when it is on, and a legend. The line is drawn
 * in a stretched inner SVG; every label is outside it, in pixels, so nothing is
 * distorted on a phone. The caption and a data table are the text alternative.
 */
export function BalanceChart({
  points,
  format,
  days,
  currency,
  threshold,
}: {
  points: TrendPoint[];
  format: AccountFormat;
  days: number;
  currency: string;
  threshold: number | null;
}) {
  if (points.length === 0) {
    return <p className="text-slate-500">No credit movements yet: the trend appears after the first top-up.</p>;
  }
  const values = points.map((p) => p.balance);
  const grid = ticks(Math.min(0, ...values, threshold ?? 0), Math.max(0, ...values, threshold ?? 0), minorUnitsPerMajor(currency));
  const min = grid[0]!;
  const max = grid[grid.length - 1]!;
  const y = (v: number) => ((max - v) * PLOT_HEIGHT) / (max - min);
  const x = (i: number) => (i * PLOT_WIDTH) / Math.max(points.length - 1, 1);
  const path = points.map((p, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(p.balance).toFixed(1)}`).join("");
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const middle = points[Math.floor((points.length - 1) / 2)]!;
  const lowest = points.reduce((a, b) => (b.balance < a.balance ? b : a));
  const summary = `Balance over the last ${days} days: ${format.money(first.balance)} on ${format.day(first.day)}, ${format.money(last.balance)} on ${format.day(last.day)}; lowest ${format.money(lowest.balance)} on ${format.day(lowest.day)}.`;
  return (
    <figure>
      <p className="flex flex-wrap gap-x-4 text-xs text-slate-600" aria-hidden="true">
        <span>
          <span className="mr-1 inline-block w-4 border-t-2 border-indigo-600 align-middle" />
          Balance ({currency})
        </span>
        {threshold !== null ? (
          <span>
            <span className="mr-1 inline-block w-4 border-t-2 border-dashed border-amber-600 align-middle" />
            Auto top-up below {format.money(threshold)}
          </span>
        ) : null}
      </p>
      <div className="mt-1 flex">
        <svg aria-hidden="true" className="w-11 shrink-0" height={HEIGHT} fontSize="11" fill="#475569">
          {grid.map((v) => (
            <text key={v} x="100%" dx="-6" y={PLOT_TOP + y(v) + 4} textAnchor="end">
              {format.wholeMoney(v)}
            </text>
          ))}
        </svg>
        <svg role="img" aria-label={`Credit balance, last ${days} days`} aria-describedby="balance-chart-desc" className="min-w-0 flex-1" height={HEIGHT} fontSize="11" fill="#475569">
          <svg y={PLOT_TOP} width="100%" height={PLOT_HEIGHT} viewBox={`0 0 ${PLOT_WIDTH} ${PLOT_HEIGHT}`} preserveAspectRatio="none" overflow="visible">
            <path d={grid.map((v) => `M0,${y(v)}H${PLOT_WIDTH}`).join("")} stroke="#cbd5e1" vectorEffect="non-scaling-stroke" />
            {threshold !== null ? (
              <line x2={PLOT_WIDTH} y1={y(threshold)} y2={y(threshold)} stroke="#d97706" strokeDasharray="5 4" vectorEffect="non-scaling-stroke" />
            ) : null}
            <path d={path} fill="none" stroke="#4f46e5" strokeWidth="2" vectorEffect="non-scaling-stroke" />
          </svg>
          <text y={HEIGHT - 4}>{format.day(first.day)}</text>
          <text x="50%" y={HEIGHT - 4} textAnchor="middle">
            {format.day(middle.day)}
          </text>
          <text x="100%" y={HEIGHT - 4} textAnchor="end">
            {format.day(last.day)}
          </text>
        </svg>
      </div>
      <figcaption id="balance-chart-desc" className="mt-1 text-xs text-slate-500">
        {summary}
      </figcaption>
      <Link href={`/dashboard/account/billing/balance?days=${days}`} className="link text-xs">
        Daily balances as a table
      </Link>
    </figure>
  );
}
