import type { UserRole } from "../schema";
import { createRandom } from "./random";

export interface DemoPerson {
  email: string;
  name: string;
  accountSlug: string;
  role: UserRole;
  active: boolean;
}

/** Everyone the bundled identity provider accepts signs in with this password. */
export const DEMO_PASSWORD = "demo";

const FIRST_NAMES = [
  "Lena", "Jonas", "Mia", "Noah", "Emma", "Paul", "Hanna", "Felix", "Clara", "Lukas",
  "Sofia", "Elias", "Marie", "Ben", "Lea", "Finn", "Ida", "Leon", "Nora", "Max",
  "Olivia", "Liam", "Ava", "Ethan", "Grace", "Mason", "Chloe", "Lucas", "Zoe", "Owen",
];
const LAST_NAMES = [
  "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Koch",
  "Richter", "Klein", "Wolf", "Neumann", "Brown", "Miller", "Davis", "Garcia", "Wilson",
  "Moore", "Taylor", "Clark", "Lewis", "Walker", "Young", "King",
];

interface TeamShape {
  slug: string;
  domain: string;
  total: number;
  fixed: DemoPerson[];
  seed: number;
}

function team({ slug, domain, total, fixed, seed }: TeamShape): DemoPerson[] {
  const random = createRandom(seed);
  const people = [...fixed];
  const taken = new Set(people.map((p) => p.email));
  while (people.length < total) {
    const first = random.pick(FIRST_NAMES);
    const last = random.pick(LAST_NAMES);
    const email = `${first}.${last}@${domain}`.toLowerCase();
    if (taken.has(email)) continue;
    taken.add(email);
    const role: UserRole = random.chance(0.12) ? "supervisor" : "agent";
    people.push({ email, name: `${first} ${last}`, accountSlug: slug, role, active: true });
  }
  return people;
}

/** The demo tenants' people; the seed writes them and the development IdP signs them in. */
export function demoPeople(): DemoPerson[] {
  return [
    ...team({
      slug: "acme",
      domain: "acme.test",
      total: 26,
      seed: 11,
      fixed: [
        { email: "admin@acme.test", name: "Anna Admin", accountSlug: "acme", role: "admin", active: true },
        { email: "finance@acme.test", name: "Frank Finance", accountSlug: "acme", role: "admin", active: true },
        { email: "supervisor@acme.test", name: "Sam Supervisor", accountSlug: "acme", role: "supervisor", active: true },
        { email: "agent@acme.test", name: "Alex Agent", accountSlug: "acme", role: "agent", active: true },
        { email: "former@acme.test", name: "Fiona Former", accountSlug: "acme", role: "admin", active: false },
      ],
    }),
    ...team({
      slug: "globex",
      domain: "globex.test",
      total: 15,
      seed: 22,
      fixed: [
        { email: "admin@globex.test", name: "Gina Admin", accountSlug: "globex", role: "admin", active: true },
        { email: "supervisor@globex.test", name: "Sara Supervisor", accountSlug: "globex", role: "supervisor", active: true },
        { email: "agent@globex.test", name: "Gus Agent", accountSlug: "globex", role: "agent", active: true },
        { email: "former@globex.test", name: "Greg Former", accountSlug: "globex", role: "agent", active: false },
      ],
    }),
  ];
}

/** The large benchmark tenant's admin (its other users are generated in SQL). */
export const BENCH_ADMIN: DemoPerson = {
  email: "admin@bench.test",
  name: "Bench Admin",
  accountSlug: "bench",
  role: "admin",
  active: true,
};

/** Known to the identity provider but to no account: shows the "no access" page. */
export const OUTSIDER: DemoPerson = {
  email: "outsider@example.test",
  name: "Olga Outsider",
  accountSlug: "",
  role: "agent",
  active: true,
};
