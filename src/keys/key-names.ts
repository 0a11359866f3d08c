/**
 * Which entries of the keys directory are key files, by name alone, as nginx's `include *.conf` reads only what it
 * names: a name without an extension (a Kubernetes Secret key such as `signing-key`) or with a key file's
 * extension. Everything else is never opened: editor backups (`k1.pem~`, `.k1.pem.swp`), copies (`.bak`, `.old`,
 * `.orig`), retired keys (`compromised.pem.revoked`, `.disabled`), notes, and hidden names. So renaming a key to
 * `*.revoked` retires it, and a backup never publishes a key or makes its kid a duplicate.
 */
import { extname } from 'node:path';
import { quote } from '../rules/finding.js';

/**
 * Extensions of key files: such a file is read, and refused (so reported) rather than ignored when its content is
 * no PEM, JWK or JWKS. Compared case-insensitively.
 */
export const KEY_FILE_EXTENSIONS: ReadonlySet<string> = new Set(['.pem', '.key', '.pub', '.crt', '.cer', '.json', '.jwk', '.jwks']);

/** An entry left unread because of its name, and why. */
export interface IgnoredFile {
  /** The entry's name, as read from the directory. */
  readonly file: string;
  readonly reason: string;
}

/** The entries of a directory listing, split by name. */
export interface KeyNames {
  /** Names read as key files, in listing order. */
  readonly keyFiles: readonly string[];
  /** Names left unread, listed by `keys check` and logged once. */
  readonly ignored: readonly IgnoredFile[];
}

/**
 * Splits a directory listing. Names starting with `..` are neither read nor listed: they are a Kubernetes volume's
 * own entries (`..data`, `..2026_07_01_…`), whose visible entries are links through them.
 */
export function splitKeyNames(names: readonly string[]): KeyNames {
  const keyFiles: string[] = [];
  const ignored: IgnoredFile[] = [];
  for (const name of names) {
    if (name.startsWith('..')) continue;
    const reason = ignoredReason(name);
    if (reason === undefined) keyFiles.push(name);
    else ignored.push({ file: name, reason });
  }
  return { keyFiles, ignored };
}

/** Why `name` is not a key file's name, or `undefined` when it is one. */
function ignoredReason(name: string): string | undefined {
  if (name.startsWith('.')) return 'not a key file name (hidden)';
  if (name.endsWith('~')) return 'not a key file name (a backup: ends with "~")';
  const extension = extname(name);
  if (extension === '' || KEY_FILE_EXTENSIONS.has(extension.toLowerCase())) return undefined;
  return `not a key file name (extension ${quote(extension)})`;
}
