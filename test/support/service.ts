import { loadConfig } from '../../src/config.js';
import { startService, type RunningService, type ServiceOptions } from '../../src/service.js';

/** Starts the real service in-process on free loopback ports, with `env` on top of test defaults. */
export function startTestService(env: Readonly<Record<string, string>>, options: ServiceOptions = {}): Promise<RunningService> {
  const config = loadConfig({ PORT: '0', ADMIN_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env });
  return startService(config, options);
}
