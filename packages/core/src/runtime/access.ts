import type { Principal } from '../contracts/roles.js';
import type { PrincipalConfig } from './options.js';

/**
 * Maps a channel's sender ids to principals, from config. A sender that no principal lists is
 * unknown: the runtime gives it nothing.
 */
export class AccessControl {
  private readonly exact = new Map<string, Principal>();
  private readonly anyOf = new Map<string, Principal>();
  private readonly byId = new Map<string, Principal>();

  constructor(principals: readonly PrincipalConfig[]) {
    for (const config of principals) {
      const principal: Principal = Object.freeze({
        id: config.id,
        name: config.name ?? config.id,
        roles: Object.freeze([...config.roles]),
      });
      if (!this.byId.has(config.id)) this.byId.set(config.id, principal);
      for (const [channel, ids] of Object.entries(config.identities)) {
        for (const id of ids) {
          if (id === '*') {
            if (!this.anyOf.has(channel)) this.anyOf.set(channel, principal);
          } else if (!this.exact.has(`${channel}\u0000${id}`)) {
            this.exact.set(`${channel}\u0000${id}`, principal);
          }
        }
      }
    }
  }

  /** The principal with this id (e.g. the one an API token acts as), or undefined. */
  principal(id: string): Principal | undefined {
    return this.byId.get(id);
  }

  /** The principal for a sender of a channel, or undefined when unknown. Exact ids win over `*`. */
  resolve(channel: string, senderId: string): Principal | undefined {
    return this.exact.get(`${channel}\u0000${senderId}`) ?? this.anyOf.get(channel);
  }
}
