import type { UserRole } from "@/db/schema";

/** Who may do what: the one table every page, action and route checks against. */
const PERMISSIONS = {
  "dashboard.view": ["admin", "supervisor", "agent"],
  "billing.view": ["admin"],
  "billing.manage": ["admin"],
  "billing.export": ["admin"],
  "users.manage": ["admin"],
} as const satisfies Record<string, readonly UserRole[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: UserRole, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly UserRole[]).includes(role);
}
