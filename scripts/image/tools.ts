/**
 * The host tools the image test needs, installed from Debian when missing: podman (the engine, with its network
 * stack), runc (its runtime here), mmdebstrap (the stand-in base images) and iptables (which podman's network
 * stack publishes ports with). A tool that is still missing afterwards stops the test with one line naming it.
 */
import { spawnSync } from 'node:child_process';
import { CommandError } from '../../src/errors.js';
import type { CommandIo } from '../../src/cli/command.js';

/**
 * Each command the test runs, and the Debian packages that bring it: podman's network stack is named, since its
 * dependency is a choice apt makes only with recommended packages, which are otherwise left out.
 */
const TOOLS = [
  { command: 'podman', packages: ['podman', 'netavark'] },
  { command: 'runc', packages: ['runc'] },
  { command: 'mmdebstrap', packages: ['mmdebstrap'] },
  { command: 'iptables', packages: ['iptables'] },
] as const;

/** Where root's tools live, searched whatever this process's PATH holds. */
const SEARCH_PATH = `${process.env.PATH ?? ''}:/usr/local/sbin:/usr/sbin:/sbin`;

const missing = (): Array<(typeof TOOLS)[number]> =>
  TOOLS.filter(({ command }) => spawnSync('sh', ['-c', `command -v ${command}`], { env: { PATH: SEARCH_PATH } }).status !== 0);

/** Installs the missing tools with apt-get (as root), or throws naming what is missing and why it cannot be. */
export function ensureTools(io: CommandIo): void {
  const before = missing();
  if (before.length === 0) return;
  const packages = before.flatMap((tool) => tool.packages);
  const names = before.map(({ command }) => command).join(', ');
  if (process.getuid?.() !== 0) throw new CommandError(`${names} missing; install the Debian packages ${packages.join(' ')} (as root)`);
  if (spawnSync('sh', ['-c', 'command -v apt-get']).status !== 0)
    throw new CommandError(`${names} missing, and no apt-get to install ${packages.join(' ')} with`);
  io.out(`installing ${packages.join(' ')} from Debian (apt-get) ...`);
  const apt = (args: string[]): number | null =>
    spawnSync('apt-get', ['-q', '-o', 'DPkg::Lock::Timeout=600', ...args], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status;
  if (apt(['update']) !== 0) throw new CommandError(`${names} missing, and apt-get update failed (see above)`);
  apt(['install', '-y', '--no-install-recommends', ...packages]);
  const after = missing();
  if (after.length > 0)
    throw new CommandError(`${after.map(({ command }) => command).join(', ')} still missing after apt-get install (see above)`);
}
