import { migrateDatabase } from "../db/migrate";
import { openDatabaseFromEnv } from "../db/open-from-env";

const handle = await openDatabaseFromEnv();
try {
  await migrateDatabase(handle);
  console.log(`migrations applied (${handle.driver})`);
} finally {
  await handle.close();
}
