import type { NotificationRoute, PluginEntry, PolicyRule, PrincipalConfig } from '@opsagent/core';

/** What a run of the CLI is for, so a preset can pick its channels. */
export type RunMode = 'chat' | 'run' | 'status' | 'doctor';

/** A preset: a list of plugins plus defaults over the same runtime. Composition, not code paths. */
export interface Preset {
  /** Name used with `--preset` and in `preset:` of opsagent.yaml. */
  readonly name: string;
  /** One line for `--help` and `init`. */
  readonly description: string;
  /**
   * The plugins, each with its config section from the file (`plugins.<name>`); `env` lets a
   * preset add an optional channel when its credentials are set.
   */
  plugins(
    sections: Readonly<Record<string, unknown>>,
    mode: RunMode,
    env?: Readonly<Record<string, string | undefined>>,
  ): PluginEntry[];
  /** Principals used when the file lists none. */
  readonly principals: PrincipalConfig[];
  /** Notification routes used when the file lists none. */
  readonly notifications: NotificationRoute[];
  /** Approval policy rules used when the file lists none. */
  readonly policy?: PolicyRule[];
  /**
   * Principals and routes derived from the environment (e.g. `SIGNAL_ALLOWED_SENDERS`); when
   * given, they replace the static ones above. The file's own lists still win.
   */
  fromEnv?(env: Readonly<Record<string, string | undefined>>): {
    principals?: PrincipalConfig[];
    notifications?: NotificationRoute[];
  };
  /** A commented opsagent.yaml for `opsagent init`. */
  readonly template: string;
}
