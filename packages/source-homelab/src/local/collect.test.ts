import type { Systeminformation } from 'systeminformation';
import { describe, expect, it } from 'vitest';
import { memoryOf, realDisks, temperatureOf } from './collect.js';

function fs(
  mount: string,
  type: string,
  device: string,
  size = 100,
  use = 10,
): Systeminformation.FsSizeData {
  return { fs: device, type, mount, size, used: use, available: size - use, use, rw: true };
}

describe('realDisks', () => {
  it('keeps real disks and drops pseudo, overlay, tmpfs, squashfs and container mounts', () => {
    const disks = realDisks([
      fs('/srv', 'xfs', '/dev/sdb1'),
      fs('/', 'ext4', '/dev/sda1'),
      fs('/dev/shm', 'tmpfs', 'tmpfs'),
      fs('/run', 'tmpfs', 'tmpfs'),
      fs('/merged', 'overlay', 'overlay'),
      fs('/snap/core/1', 'squashfs', '/dev/loop0'),
      fs('/var/lib/docker/overlay2/abc/merged', 'ext4', '/dev/sdc1'),
      fs('/media/cd', 'iso9660', '/dev/sr0'),
      fs('/empty', 'ext4', '/dev/sdd1', 0),
    ]);
    expect(disks.map((d) => d.mount)).toEqual(['/', '/srv']);
    expect(disks[0]).toEqual({
      mount: '/',
      device: '/dev/sda1',
      fsType: 'ext4',
      sizeBytes: 100,
      usedBytes: 10,
      availableBytes: 90,
      usedPercent: 10,
    });
  });

  it('keeps one entry per device and per mount point, the shortest mount winning', () => {
    const disks = realDisks([
      fs('/home', 'btrfs', '/dev/nvme0n1p2'),
      fs('/', 'btrfs', '/dev/nvme0n1p2'),
      fs('/data', 'ext4', '/dev/sdb1'),
      fs('/data', 'ext4', '/dev/sdc1'),
      fs('/tank', 'zfs', 'tank'),
      fs('/tank/media', 'zfs', 'tank/media'),
    ]);
    expect(disks.map((d) => `${d.mount} ${d.device}`)).toEqual([
      '/ /dev/nvme0n1p2',
      '/data /dev/sdb1',
      '/tank tank',
      '/tank/media tank/media',
    ]);
  });

  it('computes use from used and available when systeminformation gives none', () => {
    const entry = { ...fs('/', 'ext4', '/dev/sda1', 100, 30), use: Number.NaN };
    expect(realDisks([entry])[0]?.usedPercent).toBe(30);
  });
});

describe('temperatureOf', () => {
  it('treats null, NaN and -1 as unknown', () => {
    expect(
      temperatureOf({ main: null as unknown as number, max: null as unknown as number }),
    ).toBeUndefined();
    expect(temperatureOf({ main: Number.NaN, max: Number.NaN })).toBeUndefined();
    expect(temperatureOf({ main: -1, max: -1 })).toBeUndefined();
  });

  it('prefers the main reading and falls back to the maximum', () => {
    expect(temperatureOf({ main: 54, max: 61 })).toBe(54);
    expect(temperatureOf({ main: -1, max: 61 })).toBe(61);
  });
});

describe('memoryOf', () => {
  it('counts page cache as free by using available memory', () => {
    const memory = memoryOf({
      total: 1000,
      free: 100,
      used: 900,
      active: 300,
      available: 750,
      buffcache: 650,
      buffers: 50,
      cached: 600,
      slab: 10,
      reclaimable: 5,
      swaptotal: 200,
      swapused: 50,
      swapfree: 150,
      writeback: 0,
      dirty: 0,
    });
    expect(memory).toEqual({
      totalBytes: 1000,
      availableBytes: 750,
      usedBytes: 250,
      usedPercent: 25,
      swapTotalBytes: 200,
      swapUsedBytes: 50,
      swapUsedPercent: 25,
    });
  });
});
