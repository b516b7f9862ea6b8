import type { Health } from '@opsagent/core';

/** A warning and a critical level; a value at or above a level reaches it. */
export interface Limit {
  /** Level at which the value needs attention. */
  warn: number;
  /** Level at which something is wrong. */
  critical: number;
}

/** Levels that mark the local host's health and raise findings. */
export interface HostThresholds {
  /** Use of each disk, in %. */
  disk: Limit;
  /** Memory use (what is not available), in %. */
  memory: Limit;
  /** 5-minute load average divided by the number of CPUs. */
  loadPerCore: Limit;
  /** Main CPU temperature, in °C. */
  temperature: Limit;
}

/** The defaults: disk 85/95 %, memory 90/97 %, load per core 2/4, temperature 80/90 °C. */
export const DEFAULT_THRESHOLDS: Readonly<HostThresholds> = Object.freeze({
  disk: Object.freeze({ warn: 85, critical: 95 }),
  memory: Object.freeze({ warn: 90, critical: 97 }),
  loadPerCore: Object.freeze({ warn: 2, critical: 4 }),
  temperature: Object.freeze({ warn: 80, critical: 90 }),
});

/** Thresholds with only some levels given; the rest come from {@link DEFAULT_THRESHOLDS}. */
export type PartialThresholds = { [K in keyof HostThresholds]?: Partial<Limit> };

/** `partial` over the defaults. */
export function resolveThresholds(partial: PartialThresholds = {}): HostThresholds {
  return {
    disk: { ...DEFAULT_THRESHOLDS.disk, ...partial.disk },
    memory: { ...DEFAULT_THRESHOLDS.memory, ...partial.memory },
    loadPerCore: { ...DEFAULT_THRESHOLDS.loadPerCore, ...partial.loadPerCore },
    temperature: { ...DEFAULT_THRESHOLDS.temperature, ...partial.temperature },
  };
}

/** `critical` at or above the critical level, `warn` at or above the warning level, else `ok`. */
export function healthOf(value: number, limit: Limit): Health {
  if (!Number.isFinite(value)) return 'unknown';
  if (value >= limit.critical) return 'critical';
  if (value >= limit.warn) return 'warn';
  return 'ok';
}

const RANK: Record<Health, number> = { ok: 0, unknown: 1, warn: 2, critical: 3 };

/** The worst of several health marks; `ok` for none. */
export function worstHealth(marks: Iterable<Health | undefined>): Health {
  let worst: Health = 'ok';
  for (const mark of marks) if (mark && RANK[mark] > RANK[worst]) worst = mark;
  return worst;
}
