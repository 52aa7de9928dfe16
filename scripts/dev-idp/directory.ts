import { BENCH_ADMIN, DEMO_PASSWORD, demoPeople, OUTSIDER } from "../../db/seed/people";
import type { DirectoryEntry } from "./server";

/** The people the development IdP knows: the demo tenants, the bench admin, one outsider. */
export function demoDirectory(): DirectoryEntry[] {
  return [...demoPeople(), BENCH_ADMIN, OUTSIDER].map((p) => ({
    email: p.email,
    name: p.name,
    password: DEMO_PASSWORD,
  }));
}
