import type { Logger } from './logger.js';
import type { Health, Section } from './message.js';

/** How bad a finding is. */
export type Severity = 'info' | 'warning' | 'critical';

/** Something a source observed that may need attention. */
export interface Finding {
  /** Stable key: the same problem on the same resource gives the same key across checks. */
  key: string;
  /** How bad it is now. */
  severity: Severity;
  /** What it concerns, e.g. `host:sagan`, `ec2:i-0abc`. */
  resource: string;
  /** One line for people, e.g. `Disk / at 93%`. */
  title: string;
  /** Facts behind it (numbers, log excerpts): shown to people and, delimited, to the model. */
  evidence: string;
  /** Structured facts remediations can use (ids, regions). */
  data?: Record<string, unknown>;
}

/** The instant snapshot a source gives for `status`. */
export interface StatusReport {
  /** Overall health of what the source watches. */
  health: Health;
  /** One section per resource. */
  sections: Section[];
}

/** What a source is given on each call. */
export interface SourceContext {
  /** Aborted when the call times out or the agent stops. */
  signal: AbortSignal;
  /** Logger bound to the source. */
  logger: Logger;
}

/** Observes one part of the world. Every method is optional; implement what the source can do. */
export interface Source {
  /** Unique name, e.g. `local`, `docker`, `aws`. */
  readonly name: string;
  /** The instant snapshot for `status`; should be fast (cache if collection is slow). */
  status?(ctx: SourceContext): Promise<StatusReport>;
  /** Findings for the monitor; an empty array means all clear. */
  check?(ctx: SourceContext): Promise<Finding[]>;
  /** Text for the system prompt (runbooks, notes about the environment). */
  context?(ctx: SourceContext): Promise<string | undefined>;
  /** How often the monitor calls `check`, in ms; defaults to the monitor's interval. */
  readonly checkIntervalMs?: number;
  /** Time allowed for one `check` or `status`, in ms; defaults to the monitor's timeout. */
  readonly timeoutMs?: number;
}
