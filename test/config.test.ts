import { describe, expect, it } from 'vitest';
import { loadConfig, readConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

describe('readConfig', () => {
  it('reports every problem without throwing, names the refused settings, and keeps their defaults', () => {
    const reading = readConfig({ PORT: 'abc', LOG_LEVEL: 'loud', CACHE_MAX_AGE: '60', KEYS_DIRECTORY: '/keys' });
    expect(reading.problems).toEqual([
      'PORT: "abc" is not a whole number from 0 to 65535',
      'LOG_LEVEL: "loud" is not one of fatal, error, warn, info, debug, trace, silent',
      expect.stringMatching(/^KEYS_DIRECTORY: unknown setting/),
    ]);
    expect([...reading.refused].sort()).toEqual(['LOG_LEVEL', 'PORT']);
    expect(reading.config).toMatchObject({ port: 3000, logLevel: 'info', cacheMaxAge: 60 });
    expect(Object.isFrozen(reading.config)).toBe(true);
  });

  it('loadConfig throws the same problems in one ConfigError', () => {
    expect(() => loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud' })).toThrow(/PORT: "abc"[^]*LOG_LEVEL: "loud"/);
  });
});
