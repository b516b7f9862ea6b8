import {
  type Clock,
  errorMessage,
  isOpsAgentError,
  OpsAgentError,
  systemClock,
  withTimeout,
} from '@opsagent/core';
import type { HostThresholds } from '../local/thresholds.js';
import type { HostReading, HostTarget } from './target.js';

/** One host as last read: its reading, or why it could not be read. */
export type HostState =
  | { name: string; kind: 'local' | 'ssh'; ok: true; reading: HostReading; at: Date; ms: number }
  | {
      name: string;
      kind: 'local' | 'ssh';
      ok: false;
      error: string;
      code: string;
      at: Date;
      ms: number;
    };

/** A member of the fleet: how to reach it and its own levels. */
export interface FleetMember {
  target: HostTarget;
  thresholds: HostThresholds;
  /** Systemd units that may be restarted on this host (with approval). */
  units: readonly string[];
  /** Context files read on this host. */
  contextFiles: readonly string[];
}

/** Options of {@link Fleet}. */
export interface FleetOptions {
  members: FleetMember[];
  /** How long a host reading is reused, in ms; default 5000; 0 disables the cache. */
  cacheTtlMs?: number;
  /** Time allowed to read one host, in ms; default 8000. A host past it is unreachable. */
  hostTimeoutMs?: number;
  /**
   * How long an unreachable host is reported from cache before `status` tries it again, in ms;
   * default 30000. Checks and tools always try again.
   */
  retryUnreachableMs?: number;
  /**
   * How old a good reading may be and still answer `status` at once while a fresh one is taken
   * in the background, in ms; default 60000. 0 makes `status` wait for a reading older than the TTL.
   */
  maxAgeMs?: number;
  clock?: Clock;
}

/**
 * The machines the agent watches. Hosts are read concurrently, each within its own timeout, so a
 * dead host costs its timeout and never delays the others beyond it. Readings are cached per host
 * for `cacheTtlMs`; concurrent callers share one reading.
 */
export class Fleet {
  readonly members: ReadonlyMap<string, FleetMember>;
  private readonly cache = new Map<string, HostState>();
  private readonly inflight = new Map<string, Promise<HostState>>();
  private readonly ttlMs: number;
  private readonly retryMs: number;
  private readonly maxAgeMs: number;
  readonly hostTimeoutMs: number;
  private readonly clock: Clock;

  constructor(options: FleetOptions) {
    this.members = new Map(options.members.map((m) => [m.target.name, m]));
    this.ttlMs = Math.max(0, options.cacheTtlMs ?? 5000);
    this.hostTimeoutMs = options.hostTimeoutMs ?? 8000;
    this.retryMs = options.retryUnreachableMs ?? 30_000;
    this.maxAgeMs = options.maxAgeMs ?? 60_000;
    this.clock = options.clock ?? systemClock;
  }

  /** Host names, in config order. */
  get names(): string[] {
    return [...this.members.keys()];
  }

  /**
   * The member called `name`; with no name, the only host or the local one. Throws
   * `HOST_UNKNOWN` listing the names otherwise.
   */
  member(name?: string): FleetMember {
    if (name === undefined || name === '') {
      const local = [...this.members.values()].find((m) => m.target.kind === 'local');
      if (this.members.size === 1) return [...this.members.values()][0] as FleetMember;
      if (local) return local;
      throw new OpsAgentError('HOST_UNKNOWN', `say which host: ${this.names.join(', ')}`, {
        category: 'user',
      });
    }
    const member =
      this.members.get(name) ??
      [...this.members.values()].find((m) => m.target.name.toLowerCase() === name.toLowerCase());
    if (!member) {
      throw new OpsAgentError(
        'HOST_UNKNOWN',
        `no host named "${name}"; hosts: ${this.names.join(', ')}`,
        { category: 'user' },
      );
    }
    return member;
  }

  /**
   * Reads one host, or returns its cached reading: one younger than the TTL; an unreachable one
   * younger than the retry interval (a dead host costs its timeout once, not on every status);
   * or a good one younger than `maxAgeMs`, while a fresh reading is taken in the background.
   * `fresh` always waits for a new reading. Never rejects: failures are states.
   */
  read(name: string, fresh = false): Promise<HostState> {
    const member = this.member(name);
    const key = member.target.name;
    const cached = this.cache.get(key);
    if (!fresh && cached) {
      const age = this.clock.now().getTime() - cached.at.getTime();
      if (age < (cached.ok ? this.ttlMs : Math.max(this.ttlMs, this.retryMs)))
        return Promise.resolve(cached);
      // Stale but recent enough: answer now, refresh in the background.
      if (cached.ok && age < this.maxAgeMs) {
        this.start(member);
        return Promise.resolve(cached);
      }
    }
    return this.start(member);
  }

  private start(member: FleetMember): Promise<HostState> {
    const key = member.target.name;
    let run = this.inflight.get(key);
    if (!run) {
      run = this.readNow(member).finally(() => this.inflight.delete(key));
      this.inflight.set(key, run);
    }
    return run;
  }

  /** Reads every host concurrently. */
  readAll(fresh = false): Promise<HostState[]> {
    return Promise.all(this.names.map((name) => this.read(name, fresh)));
  }

  private async readNow(member: FleetMember): Promise<HostState> {
    const { target } = member;
    const started = performance.now();
    const base = { name: target.name, kind: target.kind };
    let state: HostState;
    try {
      const reading = await withTimeout(`reading ${target.name}`, this.hostTimeoutMs, (signal) =>
        target.read(signal),
      );
      state = { ...base, ok: true, reading, at: this.clock.now(), ms: performance.now() - started };
    } catch (error) {
      state = {
        ...base,
        ok: false,
        error: errorMessage(error),
        code: isOpsAgentError(error) ? error.code : 'HOST_UNREACHABLE',
        at: this.clock.now(),
        ms: performance.now() - started,
      };
    }
    this.cache.set(target.name, state);
    return state;
  }

  /** Closes every connection. */
  dispose(): void {
    for (const member of this.members.values()) member.target.dispose();
  }
}
