/**
 * Error helpers of the key modules. The service's error classes live in `src/errors.ts`; this adds the file a
 * refusal is about, and a safe way to read a Node error's `code`.
 */
import { KeyInvalidError } from '../errors.js';

/** A key refused or rejected by a command, naming its file (relative to the keys directory). */
export class KeyFileError extends KeyInvalidError {
  readonly file: string;
  constructor(file: string, reason: string, options?: ErrorOptions) {
    super(`${file}: ${reason}`, options);
    this.file = file;
  }
}

/**
 * The `code` of a Node or OpenSSL error (`ENOENT`, `ERR_OSSL_UNSUPPORTED`), or `undefined`. Refusal reasons
 * carry codes, not messages: some messages quote their input, which may be a private key.
 */
export function errorCode(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  return typeof code === 'string' && /^[A-Z0-9_]+$/.test(code) ? code : undefined;
}
