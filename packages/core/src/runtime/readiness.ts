/** One thing readiness depends on. */
export interface ReadinessCheck {
  /** What was checked: `agent`, `store`, `channel:<name>`. */
  name: string;
  /** True when it is fine. */
  ok: boolean;
  /** One line for people: what was found. */
  detail: string;
}

/** Whether the agent can do its work now: started, store reachable, channels up. */
export interface Readiness {
  /** True when every check is ok. */
  ready: boolean;
  /** Each check, in order. */
  checks: ReadinessCheck[];
}
