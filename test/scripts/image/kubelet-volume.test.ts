/**
 * scripts/image/kubelet-volume.ts: a volume written as the kubelet's atomic writer writes a Secret: every version in
 * its own hidden directory, `..data` pointing at the current one, one top-level symlink per file through it, the
 * previous version removed once `..data` has moved.
 */
import { lstatSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KubeletVolume } from '../../../scripts/image/kubelet-volume.js';
import { tempDir } from '../../support/keys.js';

const root = tempDir('wk-kubelet-volume-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('KubeletVolume', () => {
  const group = process.getgid!();
  const volume = new KubeletVolume(join(root, 'keys'), 0o440, group);
  const entries = (): string[] => readdirSync(volume.dir).sort();
  const versions = (): string[] => entries().filter((name) => /^\.\.\d{4}_/.test(name));

  it('lays out the first version: a timestamped directory, ..data, and a symlink per file', () => {
    volume.write({ 'a.pem': 'A1', 'b.pem': 'B1' });
    const [version] = versions();
    expect(entries()).toEqual(['..data', version, 'a.pem', 'b.pem'].sort());
    expect(readlinkSync(join(volume.dir, '..data'))).toBe(version);
    expect(readlinkSync(join(volume.dir, 'a.pem'))).toBe('..data/a.pem');
    expect(readFileSync(join(volume.dir, 'a.pem'), 'utf8')).toBe('A1');
    const file = statSync(join(volume.dir, 'a.pem'));
    expect(file.mode & 0o777).toBe(0o440);
    expect(file.gid).toBe(group);
    expect(statSync(volume.dir).mode & 0o777).toBe(0o755);
  });

  it('swaps ..data to a new version, links new files, unlinks removed ones and removes the old version', () => {
    const [old] = versions();
    volume.write({ 'a.pem': 'A2', 'c.pem': 'C2' });
    const [current] = versions();
    expect(current).not.toBe(old);
    expect(entries()).toEqual(['..data', current, 'a.pem', 'c.pem'].sort());
    expect(readlinkSync(join(volume.dir, '..data'))).toBe(current);
    expect(readFileSync(join(volume.dir, 'a.pem'), 'utf8')).toBe('A2');
    expect(readFileSync(join(volume.dir, 'c.pem'), 'utf8')).toBe('C2');
    expect(lstatSync(join(volume.dir, 'c.pem')).isSymbolicLink()).toBe(true);
    expect(entries()).not.toContain('..data_tmp');
  });
});
