/**
 * nginx as the bench's floor: our captured documents written as static files and served by one nginx process in
 * the foreground (`daemon off`, `master_process off`: the process the bench starts is the one that serves, so its
 * CPU time and memory are read like any other server's), configured in the bench's temporary directory, listening
 * on 127.0.0.1 only, with our header fields added by `add_header`.
 *
 * Its ETag is nginx's own (from the file's mtime and size, `"6b16b271-1b8"`): `add_header ETag` would be written
 * after nginx has already decided on 304 against its own ETag, so nginx is compared with ETag by presence and its
 * 304 row is loaded with the ETag it sends, which is how nginx answers revalidations of static files.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CommandError } from '../../src/errors.js';
import type { Captured } from './responses.js';

/** The nginx binary and its version, or why there is none. */
export function findNginx(): { readonly command: string; readonly version: string } | { readonly missing: string } {
  // Debian installs it in /usr/sbin, which is not on every user's PATH.
  for (const command of ['nginx', '/usr/sbin/nginx', '/usr/local/sbin/nginx']) {
    const result = spawnSync(command, ['-v'], { encoding: 'utf8' });
    if (result.error === undefined && result.status === 0) return { command, version: /nginx\/\S+/.exec(result.stderr)?.[0] ?? 'nginx' };
  }
  return { missing: 'not installed (apt-get install nginx-light)' };
}

/** `value` as a quoted nginx configuration string; nginx would expand a `$` in it, so one is refused. */
function quoted(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[$\u0000-\u001f]/.test(value)) throw new CommandError(`nginx: cannot write ${JSON.stringify(value)} as a configuration string`);
  return `'${value.replace(/[\\']/g, '\\$&')}'`;
}

/** Header fields nginx writes itself, or that it is given another way below. */
const NGINX_OWN = new Set([
  'date',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'content-type',
  'etag',
  'x-request-id',
]);

/** Writes the documents as files under `dir`/www; returns that directory. */
export function writeDocuments(captured: Captured, dir: string): string {
  const www = join(dir, 'www');
  for (const [path, { get }] of Object.entries(captured)) {
    mkdirSync(dirname(join(www, path)), { recursive: true });
    writeFileSync(join(www, path), Buffer.from(get.body, 'base64'));
  }
  return www;
}

/** The configuration of one nginx process serving `www` on 127.0.0.1:`port`, keeping its files in `dir`. */
export function nginxConfig(captured: Captured, www: string, dir: string, port: number): string {
  const locations = Object.entries(captured).map(([path, { get }]) => {
    const field = (name: string): string | undefined => get.headers.find(([n]) => n.toLowerCase() === name)?.[1];
    const added = get.headers.filter(([name]) => !NGINX_OWN.has(name.toLowerCase()));
    return [
      `    location = ${path} {`,
      `      default_type ${quoted(field('content-type') ?? 'application/octet-stream')};`,
      ...added.map(([name, value]) => `      add_header ${quoted(name)} ${quoted(value)};`),
      // A request id of nginx's own, like every server's (32 hex digits).
      ...(field('x-request-id') === undefined ? [] : ['      add_header X-Request-Id $request_id;']),
      // An empty Last-Modified removes the one nginx takes from the file, unless ours sends one (added above).
      ...(field('last-modified') === undefined ? ["      add_header Last-Modified '';"] : []),
      '    }',
    ].join('\n');
  });
  const temp = quoted(join(dir, 'nginx-temp'));
  return `daemon off;
master_process off;
worker_processes 1;
pid ${quoted(join(dir, `nginx-${port}.pid`))};
error_log stderr error;
events { worker_connections 1024; }
http {
  access_log off;
  server_tokens off;
  client_body_temp_path ${temp};
  proxy_temp_path ${temp};
  fastcgi_temp_path ${temp};
  uwsgi_temp_path ${temp};
  scgi_temp_path ${temp};
  types { }
  # No Accept-Ranges (ours has none); file descriptors and metadata kept open (ours serves from memory); sendfile
  # off (the default), so head and a small body leave in one writev; connections kept as long as Node keeps them.
  max_ranges 0;
  open_file_cache max=16;
  keepalive_timeout 65s;
  keepalive_requests 1000000000;
  server {
    listen 127.0.0.1:${port};
    root ${quoted(www)};
${locations.join('\n')}
    location / { return 404; }
  }
}
`;
}
