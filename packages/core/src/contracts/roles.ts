/** The roles a principal can hold, from least to most powerful. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;

/** `viewer` reads, `operator` also decides approvals, `admin` may do everything. */
export type Role = (typeof ROLES)[number];

/** A person (or system) the agent knows, with the roles config gave them. */
export interface Principal {
  /** Stable id from config, e.g. `alice`. */
  id: string;
  /** Display name, for messages and the audit log. */
  name: string;
  /** Roles granted by config. */
  roles: readonly Role[];
}

/** True when `principal` holds `role` or a more powerful one. */
export function hasRole(principal: Pick<Principal, 'roles'>, role: Role): boolean {
  const needed = ROLES.indexOf(role);
  return principal.roles.some((held) => ROLES.indexOf(held) >= needed);
}
