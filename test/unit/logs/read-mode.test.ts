import { describe, expect, it } from 'vitest';
import { readModeFor } from '../../../src/sources/logs/scan/read-mode.js';

/** statfs(2) f_type values from linux/magic.h. */
const EXT4 = 0xef53;
const XFS = 0x58465342;
const OVERLAYFS = 0x794c7630;
const NFS = 0x6969;
const CIFS = 0xff534d42;
const SMB2 = 0xfe534d42;
const FUSE = 0x65735546;
const NINE_P = 0x01021997;
const CEPH = 0x00c36400;

describe('how a log file is read, by its filesystem', () => {
  it('reads local disks and memory synchronously (cheaper per GiB)', () => {
    for (const t of [EXT4, XFS, OVERLAYFS]) expect(readModeFor(t, 'linux')).toBe('sync');
  });

  it('reads network and user-space filesystems asynchronously: a read that hangs must not stop the worker', () => {
    for (const t of [NFS, CIFS, SMB2, FUSE, NINE_P, CEPH]) expect(readModeFor(t, 'linux')).toBe('async');
  });

  it('reads a filesystem it does not know, or on another platform, asynchronously', () => {
    expect(readModeFor(0x12345678, 'linux')).toBe('async');
    expect(readModeFor(EXT4, 'darwin')).toBe('async');
  });
});
