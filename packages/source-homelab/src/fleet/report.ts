import type { Field, Finding, Health, Section } from '@opsagent/core';
import { containerFindings, isContainerHealthy, type RestartTracker } from '../docker/container.js';
import { formatPercent, networkTotal } from '../local/format.js';
import { hostFindings } from '../local/source.js';
import { healthOf, worstHealth } from '../local/thresholds.js';
import type { FleetMember, HostState } from './fleet.js';

function round2(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2).replace(/\.?0+$/, '') : '?';
}

/** One compact status line of a host and its health mark. */
export function hostLine(
  state: HostState,
  member: FleetMember,
  ignore: readonly string[] = [],
): Field {
  if (!state.ok) {
    const login = LOGIN_PROBLEMS[state.code];
    return {
      label: state.name,
      value: login ? `cannot log in (${login})` : `unreachable (${shortError(state.error)})`,
      health: 'critical',
    };
  }
  const { snapshot, docker } = state.reading;
  const t = member.thresholds;
  const perCore = snapshot.load.five / Math.max(1, snapshot.cpu.count);
  const worstDisk = [...snapshot.disks].sort((a, b) => b.usedPercent - a.usedPercent)[0];
  const marks: Health[] = [
    healthOf(perCore, t.loadPerCore),
    healthOf(snapshot.memory.usedPercent, t.memory),
  ];
  const parts = [
    `load ${round2(snapshot.load.one)}`,
    `mem ${formatPercent(snapshot.memory.usedPercent)}`,
  ];
  if (worstDisk) {
    parts.push(`disk ${worstDisk.mount} ${formatPercent(worstDisk.usedPercent)}`);
    marks.push(healthOf(worstDisk.usedPercent, t.disk));
  }
  if (snapshot.temperatureC !== undefined)
    marks.push(healthOf(snapshot.temperatureC, t.temperature));
  if (docker.kind === 'ok') {
    const watched = docker.containers.filter((c) => !ignore.includes(c.name));
    const healthy = watched.filter(isContainerHealthy).length;
    parts.push(`containers ${healthy}/${watched.length}`);
    marks.push(healthy === watched.length ? 'ok' : 'critical');
  } else if (docker.kind === 'error') {
    parts.push('docker ?');
    marks.push('warn');
  }
  // Only once measured: the first reading of a host has no rate, and none is made up.
  if (snapshot.network && snapshot.network.interfaces.length > 0)
    parts.push(`net ${networkTotal(snapshot.network)}`);
  return { label: state.name, value: parts.join(' · '), health: worstHealth(marks) };
}

/**
 * Errors of the agent's own SSH setup (keys, passphrases, known_hosts), not of the network: the
 * host may be up, but the agent cannot log in until its config changes. Short forms for `status`.
 */
const LOGIN_PROBLEMS: Readonly<Record<string, string>> = {
  SSH_KEY_PASSPHRASE_MISSING: 'key needs a passphrase: set passphraseEnv',
  SSH_KEY_PASSPHRASE_EMPTY: 'passphrase variable is empty',
  SSH_KEY_PASSPHRASE_WRONG: 'wrong key passphrase',
  SSH_KEY_UNREADABLE: 'key file unreadable',
  SSH_AUTH_FAILED: 'key refused',
  SSH_NO_CREDENTIALS: 'no key file and no ssh-agent',
  SSH_AGENT_UNAVAILABLE: 'ssh-agent socket missing',
  SSH_HOST_KEY_UNKNOWN: 'host key unknown',
  SSH_HOST_KEY_CHANGED: 'host key changed',
};

function shortError(message: string): string {
  const first = message.split(/[:\n]/).slice(-1)[0]?.trim() || message;
  if (/timed out|timeout/i.test(message)) return 'timed out';
  if (/ECONNREFUSED/.test(message)) return 'connection refused';
  if (/HOST KEY CHANGED|unknown host key/.test(message)) return 'host key refused';
  return first.length > 60 ? `${first.slice(0, 59)}…` : first;
}

/** Options of {@link fleetFindings}. */
export interface FleetFindingOptions {
  /** Prefix of keys, e.g. `homelab`. */
  prefix: string;
  /** Containers meant to be stopped. */
  ignoreContainers: readonly string[];
  /** Restart-loop memory shared across checks. */
  tracker?: RestartTracker;
}

/**
 * Findings for every host: unreachable (critical), Docker unreadable (warning), metrics past
 * their levels (per host), and container problems. Keys: `<prefix>:<host>:...`.
 */
export function fleetFindings(
  states: readonly HostState[],
  members: ReadonlyMap<string, FleetMember>,
  options: FleetFindingOptions,
): Finding[] {
  const findings: Finding[] = [];
  for (const state of states) {
    const member = members.get(state.name);
    if (!member) continue;
    const resource = `host:${state.name}`;
    if (!state.ok) {
      findings.push({
        key: `${options.prefix}:${state.name}:unreachable`,
        severity: 'critical',
        resource,
        title: LOGIN_PROBLEMS[state.code]
          ? `cannot log in to ${state.name}: ${LOGIN_PROBLEMS[state.code]}`
          : `${state.name} is unreachable`,
        evidence: `${state.code}: ${state.error}`,
        data: { host: state.name, code: state.code },
      });
      continue;
    }
    const { snapshot, docker } = state.reading;
    for (const finding of hostFindings(
      snapshot,
      member.thresholds,
      `${options.prefix}:${state.name}`,
    )) {
      findings.push({
        ...finding,
        resource,
        title: `${finding.title} on ${state.name}`,
        data: { ...finding.data, host: state.name },
      });
    }
    if (docker.kind === 'error') {
      findings.push({
        key: `${options.prefix}:${state.name}:docker`,
        severity: 'warning',
        resource,
        title: `Docker on ${state.name} cannot be read`,
        evidence: docker.message,
        data: { host: state.name },
      });
    } else if (docker.kind === 'ok') {
      findings.push(
        ...containerFindings(docker.containers, {
          host: state.name,
          prefix: options.prefix,
          ignore: options.ignoreContainers,
          ...(options.tracker ? { tracker: options.tracker } : {}),
          now: state.at,
        }),
      );
    }
  }
  return findings;
}

/** The `status` section: one line per host, then the problems. */
export function fleetSection(
  states: readonly HostState[],
  members: ReadonlyMap<string, FleetMember>,
  findings: readonly Finding[],
  ignore: readonly string[] = [],
): Section {
  const fields = states.map((state) => {
    const member = members.get(state.name);
    return member
      ? hostLine(state, member, ignore)
      : { label: state.name, value: '?', health: 'unknown' as const };
  });
  const down = states.filter((s) => !s.ok && !LOGIN_PROBLEMS[s.code]).length;
  const locked = states.filter((s) => !s.ok && LOGIN_PROBLEMS[s.code]).length;
  const problems = [...findings]
    .sort((a, b) => rank(b.severity) - rank(a.severity))
    .map(
      (f) =>
        `- ${f.severity === 'critical' ? 'CRITICAL' : f.severity === 'warning' ? 'WARN' : 'info'}: ${f.title}`,
    );
  return {
    title: `Homelab: ${states.length} host${states.length === 1 ? '' : 's'}${down > 0 ? `, ${down} unreachable` : ''}${locked > 0 ? `, ${locked} cannot be logged in to` : ''}`,
    health: worstHealth(fields.map((f) => f.health)),
    fields,
    ...(problems.length > 0 ? { note: `Problems:\n${problems.join('\n')}` } : {}),
  };
}

function rank(severity: Finding['severity']): number {
  return severity === 'critical' ? 2 : severity === 'warning' ? 1 : 0;
}
