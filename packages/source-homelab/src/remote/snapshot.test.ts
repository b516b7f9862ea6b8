import { describe, expect, it } from 'vitest';
import { parsePs, parseRemoteSnapshot } from './snapshot.js';

// Recorded from a Raspberry Pi 4 (Debian 12) running the snapshot script; docker section trimmed.
const PI = `@@hostname
pi
@@os
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
ID=debian
@@arch
aarch64
@@loadavg
0.42 0.35 0.30 1/312 12345
@@stat
cpu  1000 0 500 8000 100 0 10 0 0 0
cpu0 250 0 125 2000 25 0 3 0 0 0
cpu1 250 0 125 2000 25 0 2 0 0 0
cpu2 250 0 125 2000 25 0 3 0 0 0
cpu3 250 0 125 2000 25 0 2 0 0 0
@@meminfo
MemTotal:        3884096 kB
MemFree:          512000 kB
MemAvailable:    2912072 kB
Buffers:           40000 kB
Cached:          1800000 kB
SwapTotal:        102396 kB
SwapFree:          51198 kB
@@uptime
86523.41 320000.12
@@df
Filesystem     Type     1024-blocks     Used Available Capacity Mounted on
/dev/root      ext4        30358864 27000000   2065128      93% /
devtmpfs       devtmpfs     1827104        0   1827104       0% /dev
tmpfs          tmpfs        1942048        0   1942048       0% /dev/shm
/dev/mmcblk0p1 vfat          261108    51482    209626      20% /boot/firmware
/dev/sda1      ext4       960302096 10000000 901448896       2% /mnt/usb disk
overlay        overlay     30358864 27000000   2065128      93% /var/lib/docker/overlay2/abc/merged
@@temp
61835
@@docker
[{"Id":"4f1c","Name":"/pihole","RestartCount":7,"State":{"Status":"running","OOMKilled":false,"ExitCode":0,"StartedAt":"2026-11-21T07:00:00.1Z","FinishedAt":"2026-11-21T06:59:58Z","Health":{"Status":"unhealthy","FailingStreak":4,"Log":[{"Output":"dig: couldn't get address for 'pi.hole'"}]}},"Config":{"Image":"pihole/pihole:2024.07.0","Tty":true},"HostConfig":{"RestartPolicy":{"Name":"unless-stopped"}}}]
`;

describe('remote snapshot', () => {
  it('parses the script output into the local model', () => {
    const now = new Date('2026-11-21T08:00:00Z');
    const { snapshot, docker, cpuTimes } = parseRemoteSnapshot(PI, now);
    expect(snapshot.host).toEqual({
      hostname: 'pi',
      distro: 'Debian GNU/Linux',
      release: '12',
      arch: 'arm64',
      platform: 'linux',
    });
    expect(snapshot.cpu.count).toBe(4);
    expect(snapshot.cpu.loadPercent).toBeCloseTo((1510 / 9610) * 100, 3);
    expect(snapshot.cpu.perCorePercent).toHaveLength(4);
    expect(snapshot.load).toEqual({ one: 0.42, five: 0.35, fifteen: 0.3 });
    expect(snapshot.memory.totalBytes).toBe(3884096 * 1024);
    expect(snapshot.memory.availableBytes).toBe(2912072 * 1024);
    expect(snapshot.memory.usedPercent).toBeCloseTo(25.02, 1);
    expect(snapshot.memory.swapUsedPercent).toBeCloseTo(50, 1);
    expect(snapshot.disks.map((d) => [d.mount, d.usedPercent])).toEqual([
      ['/', 93],
      ['/boot/firmware', 20],
      ['/mnt/usb disk', 2],
    ]);
    expect(snapshot.uptimeSeconds).toBeCloseTo(86523.41);
    expect(snapshot.temperatureC).toBeCloseTo(61.835);
    expect(snapshot.collectedAt).toBe(now);
    expect(docker.kind).toBe('ok');
    if (docker.kind === 'ok') {
      expect(docker.containers[0]).toMatchObject({
        name: 'pihole',
        state: 'running',
        health: 'unhealthy',
        restartCount: 7,
        tty: true,
        lastHealthOutput: "dig: couldn't get address for 'pi.hole'",
      });
    }

    // The next reading measures CPU since this one.
    const later = PI.replace('cpu  1000 0 500 8000 100', 'cpu  1100 0 500 8300 100');
    expect(parseRemoteSnapshot(later, now, cpuTimes).snapshot.cpu.loadPercent).toBeCloseTo(25, 3);
  });

  it('tells no Docker from Docker that fails, and copes with an old kernel and no sensor', () => {
    const old = PI.replace(/MemAvailable:.*\n/, '').replace(/@@temp\n61835\n/, '@@temp\n');
    const absent = parseRemoteSnapshot(
      old.replace(/@@docker\n[\s\S]*$/, '@@docker\n!absent\n'),
      new Date(),
    );
    expect(absent.docker).toEqual({ kind: 'absent' });
    expect(absent.snapshot.temperatureC).toBeUndefined();
    expect(absent.snapshot.memory.availableBytes).toBe((512000 + 40000 + 1800000) * 1024);
    const denied = parseRemoteSnapshot(
      PI.replace(
        /@@docker\n[\s\S]*$/,
        '@@docker\n!error permission denied while trying to connect to the Docker daemon socket\n',
      ),
      new Date(),
    );
    expect(denied.docker).toEqual({
      kind: 'error',
      message: 'permission denied while trying to connect to the Docker daemon socket',
    });
    const garbled = parseRemoteSnapshot(
      PI.replace(/@@docker\n[\s\S]*$/, '@@docker\n[{"Id":'),
      new Date(),
    );
    expect(garbled.docker.kind).toBe('error');
  });

  it('parses ps, naming programs from argv', () => {
    const ps = [
      '  1 root      0.0  0.1  11000 Ss   systemd         /sbin/init splash',
      '  812 app      35.2  4.0 160000 Sl   MainThread      /usr/bin/node server.js --token=abc',
      '  9 root      0.0  0.0      0 I    kworker/0:1     [kworker/0:1]',
    ].join('\n');
    const list = parsePs(ps, 2, 'cpu');
    expect(list.total).toBe(3);
    expect(list.processes.map((p) => [p.pid, p.name, p.params, p.state])).toEqual([
      [812, 'node', 'server.js --token=abc', 'sleeping'],
      [1, 'init', 'splash', 'sleeping'],
    ]);
    expect(parsePs(ps, 1, 'memory').processes[0]?.rssBytes).toBe(160000 * 1024);
  });
});

describe('remote network counters', () => {
  it('reads /proc/net/dev from the @@netdev section, nothing when it is missing', () => {
    const netdev = `@@netdev
Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 1694713794 3731473    0    0    0     0          0         0 1694713794 3731473    0    0    0     0       0          0
  eth0: 4059191037  110578    1    2    0     0          0         0  9252621   71565    3    4    0     0       0          0
`;
    const reading = parseRemoteSnapshot(PI + netdev, new Date());
    expect(
      reading.network.map((i) => [i.name, i.rxBytes, i.txBytes, i.rxErrors, i.txDropped]),
    ).toEqual([
      ['lo', 1694713794, 1694713794, 0, 0],
      ['eth0', 4059191037, 9252621, 1, 4],
    ]);
    expect(reading.snapshot.network).toBeUndefined();
    expect(parseRemoteSnapshot(PI, new Date()).network).toEqual([]);
  });
});
