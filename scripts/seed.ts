import { parseArgs } from "node:util";
import { migrateDatabase } from "../db/migrate";
import { openDatabaseFromEnv } from "../db/open-from-env";
import { BENCH_DEFAULTS, seedBenchAccount } from "../db/seed/bench";
import { seedDemo } from "../db/seed/demo";

const { values } = parseArgs({
  options: {
    bench: { type: "boolean", default: false },
    movements: { type: "string" },
    numbers: { type: "string" },
    users: { type: "string" },
  },
});

const handle = await openDatabaseFromEnv();
try {
  await migrateDatabase(handle);
  const started = Date.now();
  const demo = await seedDemo(handle.db);
  if (demo.seeded) {
    for (const a of demo.accounts) {
      console.log(`seeded ${a.slug}: ${a.users} users, ${a.numbers} numbers, ${a.movements} credit movements`);
    }
  } else {
    console.log("demo data already present; nothing changed");
  }
  if (values.bench) {
    const shape = {
      movements: Number(values.movements ?? BENCH_DEFAULTS.movements),
      numbers: Number(values.numbers ?? BENCH_DEFAULTS.numbers),
      users: Number(values.users ?? BENCH_DEFAULTS.users),
    };
    for (const [name, n] of Object.entries(shape)) {
      if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
    }
    const bench = await seedBenchAccount(handle.db, shape);
    console.log(bench.seeded ? `seeded bench: ${JSON.stringify(shape)}` : "bench account already present");
  }
  console.log(`done in ${Date.now() - started} ms (${handle.driver})`);
} finally {
  await handle.close();
}
