import { describe, expect, it } from 'vitest';
import { isVirtualInterface, NetworkMeter, networkRates, parseProcNetDev } from './network.js';

// Read from the machine these tests were written on (a container: eth0, two ifb shapers).
const CONTAINER = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 1694713794 3731473    0    0    0     0          0         0 1694713794 3731473    0    0    0     0       0          0
  ifb0:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
  ifb1:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
  eth0: 4059191037  110578    0    0    0     0          0         0  9252621   71565    0    0    0     0       0          0
`;

// The layout of a Docker host with Wi-Fi and WireGuard; older kernels glue a long counter to
// the colon (`eth0:4294967296`), and long names push it too (`eno16777736: 1150470`).
const DOCKER_HOST = (
  rx: number,
  tx: number,
  errs = 0,
  drop = 0,
) => `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 52094332  412345    0    0    0     0          0         0 52094332  412345    0    0    0     0       0          0
eno16777736:${rx} 9845123 ${errs} ${drop} 0 0 0 2134 ${tx} 6012345 0 0 0 0 0 0
 wlan0:  300255    3030    0    0    0     0          0         0     8142      44    0    0    0     0       0          0
docker0: 914631718  597963    0    0    0     0          0         0 714501555  872874    0    0    0     0       0          0
veth3c1f2a9: 414631718  597963    0    0    0     0          0         0 614501555  772874    0    0    0     0       0          0
br-5e2a1c0d9f31: 14631718  97963    0    0    0     0          0         0 14501555  72874    0    0    0     0       0          0
   wg0: 1200000   10000    0    0    0     0          0         0  2400000   20000    0    0    0     0       0          0
`;

describe('parseProcNetDev', () => {
  it('reads every interface with bytes, errors and drops', () => {
    expect(parseProcNetDev(CONTAINER)).toEqual([
      {
        name: 'lo',
        rxBytes: 1694713794,
        rxErrors: 0,
        rxDropped: 0,
        txBytes: 1694713794,
        txErrors: 0,
        txDropped: 0,
      },
      {
        name: 'ifb0',
        rxBytes: 0,
        rxErrors: 0,
        rxDropped: 0,
        txBytes: 0,
        txErrors: 0,
        txDropped: 0,
      },
      {
        name: 'ifb1',
        rxBytes: 0,
        rxErrors: 0,
        rxDropped: 0,
        txBytes: 0,
        txErrors: 0,
        txDropped: 0,
      },
      {
        name: 'eth0',
        rxBytes: 4059191037,
        rxErrors: 0,
        rxDropped: 0,
        txBytes: 9252621,
        txErrors: 0,
        txDropped: 0,
      },
    ]);
    const host = parseProcNetDev(DOCKER_HOST(2 ** 40, 5, 3, 7));
    expect(host.map((i) => i.name)).toEqual([
      'lo',
      'eno16777736',
      'wlan0',
      'docker0',
      'veth3c1f2a9',
      'br-5e2a1c0d9f31',
      'wg0',
    ]);
    expect(host[1]).toEqual({
      name: 'eno16777736',
      rxBytes: 2 ** 40,
      rxErrors: 3,
      rxDropped: 7,
      txBytes: 5,
      txErrors: 0,
      txDropped: 0,
    });
  });

  it('skips the headers, short or garbled lines and empty input', () => {
    expect(parseProcNetDev('')).toEqual([]);
    expect(parseProcNetDev('eth0: 1 2 3\nwlan0: a b c d e f g h i j k l m n o p\n')).toEqual([]);
  });
});

describe('isVirtualInterface', () => {
  it('leaves out loopback, container, bridge and shaping interfaces, keeps ways in and out', () => {
    for (const name of [
      'lo',
      'docker0',
      'docker_gwbridge',
      'veth3c1f2a9',
      'br-5e2a1c0d9f31',
      'virbr0',
      'vnet3',
      'tap100i0',
      'fwbr100i0',
      'cni0',
      'flannel.1',
      'cali12ab',
      'lxcbr0',
      'ifb0',
      'tunl0',
      'sit0',
    ])
      expect([name, isVirtualInterface(name)]).toEqual([name, true]);
    for (const name of [
      'eth0',
      'enp3s0',
      'eno16777736',
      'wlan0',
      'wlp2s0',
      'br0',
      'vmbr0',
      'bond0',
      'eth0.20',
      'wg0',
      'tun0',
      'tailscale0',
      'lowpan0',
    ])
      expect([name, isVirtualInterface(name)]).toEqual([name, false]);
  });
});

describe('networkRates and NetworkMeter', () => {
  const at = (seconds: number, text: string) => ({
    atSeconds: seconds,
    interfaces: parseProcNetDev(text),
  });

  it('gives bytes per second and new errors per main interface, busiest first', () => {
    const rates = networkRates(
      at(100, DOCKER_HOST(1_000_000, 500_000)),
      at(110, DOCKER_HOST(1_000_000 + 10 * 1_048_576, 500_000 + 10 * 81_920, 2, 5)),
    );
    expect(rates).toEqual({
      intervalSeconds: 10,
      interfaces: [
        {
          name: 'eno16777736',
          rxBytesPerSecond: 1_048_576,
          txBytesPerSecond: 81_920,
          rxErrors: 2,
          txErrors: 0,
          rxDropped: 5,
          txDropped: 0,
        },
        // Idle but in use: kept at 0 B/s. docker0, veth*, br-* and lo are left out.
        {
          name: 'wg0',
          rxBytesPerSecond: 0,
          txBytesPerSecond: 0,
          rxErrors: 0,
          txErrors: 0,
          rxDropped: 0,
          txDropped: 0,
        },
        {
          name: 'wlan0',
          rxBytesPerSecond: 0,
          txBytesPerSecond: 0,
          rxErrors: 0,
          txErrors: 0,
          rxDropped: 0,
          txDropped: 0,
        },
      ],
    });
  });

  it('leaves out never-used interfaces, new ones and ones whose counters were reset', () => {
    const before = at(0, CONTAINER);
    const after = at(
      5,
      CONTAINER.replace('4059191037', '4059191037'.replace(/^4/, '1')).concat(
        '  eth1: 500 5 0 0 0 0 0 0 500 5 0 0 0 0 0 0\n',
      ),
    );
    expect(networkRates(before, after)).toEqual({ intervalSeconds: 5, interfaces: [] });
    expect(networkRates(before, at(0, CONTAINER))).toBeUndefined();
  });

  it('shows no rate on the first reading, and keeps the last one for readings under a second apart', () => {
    const meter = new NetworkMeter();
    expect(meter.update(at(50, DOCKER_HOST(0, 0)))).toBeUndefined();
    expect(meter.update(at(50.4, DOCKER_HOST(4000, 0)))).toBeUndefined();
    const first = meter.update(at(52, DOCKER_HOST(20_000, 2_000)));
    expect(first?.intervalSeconds).toBe(2);
    expect(first?.interfaces[0]).toMatchObject({
      name: 'eno16777736',
      rxBytesPerSecond: 10_000,
      txBytesPerSecond: 1_000,
    });
    expect(meter.update(at(52.5, DOCKER_HOST(90_000, 2_000)))).toBe(first);
    expect(meter.update(at(54, DOCKER_HOST(40_000, 6_000)))?.interfaces[0]).toMatchObject({
      rxBytesPerSecond: 10_000,
      txBytesPerSecond: 2_000,
    });
  });

  it('starts over after a reboot (the clock went back) instead of reporting a negative rate', () => {
    const meter = new NetworkMeter();
    meter.update(at(86_400, DOCKER_HOST(9_000_000, 9_000_000)));
    expect(meter.update(at(30, DOCKER_HOST(1_000, 1_000)))).toBeUndefined();
    expect(meter.update(at(40, DOCKER_HOST(11_000, 1_000)))?.interfaces[0]?.rxBytesPerSecond).toBe(
      1_000,
    );
  });
});
