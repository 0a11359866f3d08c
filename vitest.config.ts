import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/support/cleanup.ts'],
    // Ceilings for a loaded 2-core CI machine, not expectations: no test asserts how fast anything is, and a
    // passing test ends as soon as what it waits for happens. Suites with slower set-up set their own.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: the suites spawn servers and generate RSA keys, so more workers only add contention.
    maxWorkers: 2,
  },
});
