/**
 * The `code` of a Node or OpenSSL error (`ENOENT`, `ERR_OSSL_UNSUPPORTED`), or `undefined`. Refusal reasons
 * carry codes, not messages: some messages quote their input, which may be a private key.
 */
export function errorCode(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  return typeof code === 'string' && /^[A-Z0-9_]+$/.test(code) ? code : undefined;
}
