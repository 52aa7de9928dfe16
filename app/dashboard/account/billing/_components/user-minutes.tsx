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
          <li key={u.userId} className="grid grid-cols-[minmax(0,10rem)_1fr_auto] items-center gap-3">
            <span className="truncate">{u.name}</span>
            <UsageBar used={u.minutes} total={pkg.minutesPerUser} label={`${u.name}: ${used} of ${limit} minutes`} />
            <span className="tabular-nums text-slate-600">
              {used} / {limit}
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
