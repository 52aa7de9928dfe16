import type PgBoss from "pg-boss";
import { describe, expect, it } from "vitest";
import { createQueue } from "@/lib/jobs/queue";

/** A queue maker that answers as Postgres did to the first `failures` calls. */
function maker(failures: { code: string }[]) {
  const calls: string[] = [];
  const boss = {
    async createQueue(name: string) {
      calls.push(name);
      const failure = failures.shift();
      if (failure) throw Object.assign(new Error(failure.code === "40P01" ? "deadlock detected" : "duplicate"), failure);
    },
  } as unknown as PgBoss;
  return { boss, calls };
}

describe("making a queue while other processes make it too", () => {
  it("tries again after a deadlock or a duplicate, and then has it", async () => {
    const { boss, calls } = maker([{ code: "40P01" }, { code: "23505" }]);
    await createQueue(boss, "auto-top-up", { name: "auto-top-up" });
    expect(calls).toEqual(["auto-top-up", "auto-top-up", "auto-top-up"]);
  });

  it("gives up after five tries, and never retries another error", async () => {
    const stuck = maker(Array.from({ length: 6 }, () => ({ code: "40P01" })));
    await expect(createQueue(stuck.boss, "q", { name: "q" })).rejects.toThrow("deadlock detected");
    expect(stuck.calls).toHaveLength(5);
    const other = maker([{ code: "42501" }]);
    await expect(createQueue(other.boss, "q", { name: "q" })).rejects.toThrow();
    expect(other.calls).toHaveLength(1);
  });
});
