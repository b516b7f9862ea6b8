import type { Principal } from '../contracts/roles.js';
import type { PrincipalConfig } from './options.js';

/**
 * Maps a channel's sender ids to principals, from config. A sender that no principal lists is
 * unknown: the runtime gives it nothing.
 */
export class AccessControl {
  private readonly exact = new Map<string, Principal>();
  private readonly anyOf = new Map<string, Principal>();

  constructor(principals: readonly PrincipalConfig[]) {
    for (const config of principals) {
      const principal: Principal = Object.freeze({
        id: config.id,
        name: config.name ?? config.id,
        roles: Object.freeze([...config.roles]),
      });
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

  /** The principal for a sender of a channel, or undefined when unknown. Exact ids win over `*`. */
  resolve(channel: string, senderId: string): Principal | undefined {
    return this.exact.get(`${channel}\u0000${senderId}`) ?? this.anyOf.get(channel);
  }
}
