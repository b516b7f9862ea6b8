import type { Clock } from '@opsagent/core';

/** State of one provider's breaker. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Options of {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit; default 3. */
  failureThreshold?: number;
  /** How long an open circuit skips the provider before one trial call; default 60 s. */
  cooldownMs?: number;
  /** Time source. */
  clock: Clock;
}

/**
 * Per-key circuit breaker: `failureThreshold` consecutive failures open it; after `cooldownMs`
 * it is half-open and lets one trial call through; a success closes it, a failure reopens it.
 */
export class CircuitBreaker {
  private readonly threshold: number;
  private readonly cooldownMs: number;
  private readonly clock: Clock;
  private readonly circuits = new Map<
    string,
    { failures: number; openedAt?: number; trialInFlight: boolean }
  >();

  constructor(options: CircuitBreakerOptions) {
    this.threshold = options.failureThreshold ?? 3;
    this.cooldownMs = options.cooldownMs ?? 60_000;
    this.clock = options.clock;
  }

  /** The state of `key` now. */
  state(key: string): CircuitState {
    const circuit = this.circuits.get(key);
    if (circuit?.openedAt === undefined) return 'closed';
    return this.clock.now().getTime() - circuit.openedAt >= this.cooldownMs ? 'half-open' : 'open';
  }

  /** True when a call to `key` may go ahead; in half-open, only one trial at a time. */
  tryAcquire(key: string): boolean {
    const state = this.state(key);
    if (state === 'closed') return true;
    if (state === 'open') return false;
    const circuit = this.circuits.get(key);
    if (!circuit || circuit.trialInFlight) return false;
    circuit.trialInFlight = true;
    return true;
  }

  /** Records a success: the circuit closes. */
  success(key: string): void {
    this.circuits.delete(key);
  }

  /** Records a failure; returns true when this failure opened (or reopened) the circuit. */
  failure(key: string): boolean {
    const circuit = this.circuits.get(key) ?? { failures: 0, trialInFlight: false };
    this.circuits.set(key, circuit);
    const wasTrial = circuit.trialInFlight;
    circuit.trialInFlight = false;
    circuit.failures += 1;
    if (wasTrial || (circuit.openedAt === undefined && circuit.failures >= this.threshold)) {
      circuit.openedAt = this.clock.now().getTime();
      return true;
    }
    return false;
  }

  /** Releases a half-open trial that ended without a verdict (e.g. a bad request). */
  release(key: string): void {
    const circuit = this.circuits.get(key);
    if (circuit) circuit.trialInFlight = false;
  }
}
