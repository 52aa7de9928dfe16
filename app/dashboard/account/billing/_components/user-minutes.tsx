import type { AccountFormat } from "@/lib/format";
import type { IncludedPackage } from "@/lib/usage/queries";
import { UsageBar } from "./section";

/** Minutes per user inside a package, as bars against the fair-use limit or the included minutes. */
export function UserMinutesList({
  pkg,
  users,
  format,
}: {
  pkg: IncludedPackage;
  users: IncludedPackage["users"];
  format: AccountFormat;
}) {
  const limit = format.number(pkg.minutesPerUser);
  return (
    <ul className="mt-2 space-y-1.5" data-testid="user-minutes">
      {users.map((u) => {
        const used = format.number(u.minutes);
        return (
          // On a phone the bar takes the full width under the name and the figures.
          <li key={u.userId} className="grid grid-cols-[1fr_auto] items-center gap-x-3 gap-y-1 sm:grid-cols-[minmax(0,10rem)_1fr_auto]">
            <span className="truncate">{u.name}</span>
            <span className="tabular-nums text-slate-600 sm:order-last">
              {used} / {limit}
            </span>
            <span className="col-span-2 sm:col-span-1">
              <UsageBar used={u.minutes} total={pkg.minutesPerUser} label={`${u.name}: ${used} of ${limit} minutes`} />
            </span>
          </li>
        );
      })}
    </ul>
  );
}

export function limitWord(pkg: IncludedPackage): string {
  return pkg.unlimited ? "fair-use limit" : "included";
}
