/**
 * Set-up file of every test file (vitest.config.ts `setupFiles`): once the file's tests and their own `afterAll`
 * hooks are done, the temporary directories its helpers made are removed (`tempDir` in ./keys.ts). The global
 * teardown (test/global-setup.ts) then fails the run on anything still left.
 */
import { afterAll } from 'vitest';
import { removeTempDirs } from './keys.js';

// Registered before the file's own hooks, so it runs after them: servers still reading a directory stop first.
afterAll(removeTempDirs);
