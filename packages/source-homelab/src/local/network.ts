/** Counters of one network interface since it came up, as the kernel keeps them. */
export interface InterfaceCounters {
  /** Interface name, e.g. `eth0`, `enp3s0`, `wg0`. */
  name: string;
  rxBytes: number;
  txBytes: number;
  rxErrors: number;
  txErrors: number;
  rxDropped: number;
  txDropped: number;
}

/** Every interface's counters at one moment. */
export interface NetworkCounters {
  /**
   * When they were read, in seconds on a clock that only moves forward while the machine is up
   * (`/proc/uptime` over SSH, the monotonic clock here); it restarting below the previous value
   * means a reboot.
   */
  atSeconds: number;
  interfaces: InterfaceCounters[];
}

/** Throughput of one interface between two readings. */
export interface InterfaceRate {
  name: string;
  /** Bytes received per second. */
  rxBytesPerSecond: number;
  /** Bytes sent per second. */
  txBytesPerSecond: number;
  /** Receive errors counted between the two readings. */
  rxErrors: number;
  /** Transmit errors counted between the two readings. */
  txErrors: number;
  /** Incoming packets dropped between the two readings. */
  rxDropped: number;
  /** Outgoing packets dropped between the two readings. */
  txDropped: number;
}

/** Network throughput of a host: its main interfaces, busiest first. */
export interface NetworkRates {
  /** Seconds between the two readings the rates are measured over. */
  intervalSeconds: number;
  /** Physical, bond, VLAN, Wi-Fi and VPN interfaces; loopback, container and bridge ones are left out. */
  interfaces: InterfaceRate[];
}

/**
 * Interfaces that are not a way in or out of the machine: loopback, Docker's bridges (`docker0`,
 * `br-<id>`) and container ends (`veth*`), VM taps and Proxmox firewall bridges, libvirt, LXC,
 * Kubernetes and Podman plumbing, traffic-shaping (`ifb*`) and the kernel's tunnel placeholders.
 * `br0`, `vmbr0`, `bond0`, VLANs, Wi-Fi and VPNs (`wg0`, `tun0`, `tailscale0`) are kept.
 * Their traffic is counted again on the real interface (or never leaves the machine).
 */
const VIRTUAL_INTERFACE =
  /^(lo$|docker|veth|br-|virbr|vnet|tap|fwbr|fwpr|fwln|cni|flannel|cali|vxlan|weave|kube-|cilium|lxc|lxdbr|podman|ifb|dummy|nlmon|(tunl|sit|ip6tnl|ip6gre|gre|gretap|erspan|ip_vti|ip6_vti)0$)/;

/** True for interfaces {@link NetworkRates} leaves out (see {@link VIRTUAL_INTERFACE}). */
export function isVirtualInterface(name: string): boolean {
  return VIRTUAL_INTERFACE.test(name);
}

/**
 * Parses Linux `/proc/net/dev`: after two header lines, `name: ` then 8 receive fields (bytes
 * packets errs drop fifo frame compressed multicast) and 8 transmit fields (bytes packets errs
 * drop fifo colls carrier compressed). Malformed lines are skipped.
 */
export function parseProcNetDev(text: string): InterfaceCounters[] {
  const interfaces: InterfaceCounters[] = [];
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    if (!name || name.includes('|')) continue;
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (f.length < 16 || f.slice(0, 16).some((v) => !Number.isFinite(v) || v < 0)) continue;
    interfaces.push({
      name,
      rxBytes: f[0] ?? 0,
      rxErrors: f[2] ?? 0,
      rxDropped: f[3] ?? 0,
      txBytes: f[8] ?? 0,
      txErrors: f[10] ?? 0,
      txDropped: f[11] ?? 0,
    });
  }
  return interfaces;
}

/**
 * Rates between two readings of the same machine: only interfaces in both, not virtual, that
 * have carried traffic, and whose counters did not go back (an interface recreated or its
 * counters reset). Undefined when the clock did not move forward.
 */
export function networkRates(
  before: NetworkCounters,
  after: NetworkCounters,
): NetworkRates | undefined {
  const seconds = after.atSeconds - before.atSeconds;
  if (!(seconds > 0)) return undefined;
  const previous = new Map(before.interfaces.map((i) => [i.name, i]));
  const interfaces: InterfaceRate[] = [];
  for (const now of after.interfaces) {
    const then = previous.get(now.name);
    if (!then || isVirtualInterface(now.name)) continue;
    if (now.rxBytes === 0 && now.txBytes === 0) continue;
    const delta = {
      rx: now.rxBytes - then.rxBytes,
      tx: now.txBytes - then.txBytes,
      rxErrors: now.rxErrors - then.rxErrors,
      txErrors: now.txErrors - then.txErrors,
      rxDropped: now.rxDropped - then.rxDropped,
      txDropped: now.txDropped - then.txDropped,
    };
    if (Object.values(delta).some((d) => d < 0)) continue;
    interfaces.push({
      name: now.name,
      rxBytesPerSecond: delta.rx / seconds,
      txBytesPerSecond: delta.tx / seconds,
      rxErrors: delta.rxErrors,
      txErrors: delta.txErrors,
      rxDropped: delta.rxDropped,
      txDropped: delta.txDropped,
    });
  }
  interfaces.sort(
    (a, b) =>
      b.rxBytesPerSecond + b.txBytesPerSecond - (a.rxBytesPerSecond + a.txBytesPerSecond) ||
      a.name.localeCompare(b.name),
  );
  return { intervalSeconds: seconds, interfaces };
}

/**
 * Turns successive counter readings of one machine into rates. The first reading only sets the
 * baseline (no rate is made up); a reading less than `minIntervalSeconds` after the baseline
 * gives the last rates again rather than a noisy one over a few milliseconds; a clock that went
 * back (a reboot) starts over.
 */
export class NetworkMeter {
  private baseline: NetworkCounters | undefined;
  private last: NetworkRates | undefined;

  constructor(private readonly minIntervalSeconds = 1) {}

  /** Rates since the baseline, or undefined while there is none to compare with. */
  update(counters: NetworkCounters): NetworkRates | undefined {
    const before = this.baseline;
    if (!before || counters.atSeconds < before.atSeconds) {
      this.baseline = counters;
      this.last = undefined;
      return undefined;
    }
    if (counters.atSeconds - before.atSeconds < this.minIntervalSeconds) return this.last;
    this.baseline = counters;
    this.last = networkRates(before, counters);
    return this.last;
  }
}
