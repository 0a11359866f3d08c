/**
 * A Secret or ConfigMap volume written the way the kubelet's atomic writer writes it, so that what a container
 * sees at its mount path, and how an update reaches it, are what a pod sees: each version of the files in a
 * timestamped hidden directory; `..data`, a symlink to the current one, replaced in one `rename(2)` of a
 * `..data_tmp` symlink; one top-level symlink per file through `..data`; the previous version's directory removed
 * last. Files are owned by root and the pod's `fsGroup`, with the volume's `defaultMode`.
 */
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, posix } from 'node:path';

export class KubeletVolume {
  #version: string | undefined;
  #versions = 0;

  /**
   * @param dir the volume's directory on the host (created, traversable by everyone, as the kubelet's)
   * @param mode the volume's `defaultMode`
   * @param group the pod's `fsGroup`, the group of every file
   */
  constructor(
    readonly dir: string,
    private readonly mode: number,
    private readonly group: number,
  ) {
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
  }

  /** Makes `files` (name → content) the volume's content, as the kubelet applies an update of the object. */
  write(files: Readonly<Record<string, string>>): void {
    this.#versions += 1;
    const version = `..${new Date().toISOString().replace(/[-:T]/g, '_').replace(/\..*/, '')}.${String(this.#versions).padStart(9, '0')}`;
    mkdirSync(join(this.dir, version), { mode: 0o755 });
    for (const [name, content] of Object.entries(files)) {
      const path = join(this.dir, version, name);
      writeFileSync(path, content);
      chownSync(path, 0, this.group);
      chmodSync(path, this.mode);
    }
    symlinkSync(version, join(this.dir, '..data_tmp'));
    renameSync(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
    const visible = readdirSync(this.dir).filter((name) => !name.startsWith('..'));
    for (const name of Object.keys(files)) if (!visible.includes(name)) symlinkSync(posix.join('..data', name), join(this.dir, name));
    for (const name of visible) if (!(name in files) && lstatSync(join(this.dir, name)).isSymbolicLink()) unlinkSync(join(this.dir, name));
    if (this.#version !== undefined) rmSync(join(this.dir, this.#version), { recursive: true });
    this.#version = version;
  }
}
