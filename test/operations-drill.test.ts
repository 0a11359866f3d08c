/**
 * The operations drill, on a temporary copy of the project: the API team adds two operations that are not
 * prebuilt documents to openapi.json and follows the README's loop, and the bundle serves them:
 *
 * - `GET /.well-known/webfinger` (RFC 7033 §4): a required query parameter `resource`, an optional repeated `rel`,
 *   a 200 in `application/jrd+json`, errors upstream-style (`4XX`/`default` → `Error`);
 * - a `POST` with a path parameter, an optional header parameter and a required JSON body, answering 201, errors
 *   as `ApiErrorResponse`, whose response schema is stricter than its request schema (a 500 waiting to happen).
 *
 * `npm run generate` compiles them as operations; their handlers are written in the file that registers handlers,
 * typed from `generated/`; `npm run build` bundles them; the bundle, started as operators run it, is driven with
 * valid and invalid requests, every answer checked against the copy's openapi.json. openapi.json itself never
 * gets these operations.
 *
 * The drill's steps run once, before the tests, with a ceiling sized for a loaded 2-core machine; the tests assert
 * on what each step produced and on the running server.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseResponses, raw, rawSocket, type ParsedResponse } from './support/http.js';
import { keysDirWith, rsaKey } from './support/keys.js';
import { spawnLogged, type NodeProcess } from './support/process.js';
import { copyProject, runInCopy, type CopyRun } from './support/project-copy.js';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const ROOT = new URL('..', import.meta.url).pathname;
const ISSUER = 'https://drill.example';
const WEBFINGER = '/.well-known/webfinger';
const REGISTRATIONS = '/.well-known/__drill__/{tenant}/registrations';
const HANDLERS = 'src/documents/handlers.ts';
/** What the copy holds: everything generate, the type-check and the build read. */
const ENTRIES = ['package.json', 'tsconfig.json', 'openapi.json', 'src', 'generated', 'scripts'];
/** A ceiling for the drill's steps (generate, a type-check, a build, a boot) on a loaded 2-core machine. */
const DRILL_CEILING_MS = 360_000;
/** RFC 7033 §4.4.4.1: the link relation of an OpenID issuer, as OpenID Connect Discovery 1.0 §2 uses it. */
const ISSUER_REL = 'http://openid.net/specs/connect/1.0/issuer';
/** The largest request body an operation reads: the service's own bound of 64 KiB (src/http/request-body.ts). */
const REQUEST_BODY_LIMIT_BYTES = 64 * 1024;

const ERROR = { $ref: '#/components/responses/DEFAULT_ERROR' };
const API_ERROR = {
  description: 'Error',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiErrorResponse' } } },
};

/** RFC 7033 §4.4: the JSON Resource Descriptor. */
const JRD = {
  type: 'object',
  required: ['subject'],
  properties: {
    subject: { type: 'string', format: 'uri' },
    aliases: { type: 'array', items: { type: 'string', format: 'uri' } },
    properties: { type: 'object', additionalProperties: { type: ['string', 'null'] } },
    links: {
      type: 'array',
      items: {
        type: 'object',
        required: ['rel'],
        properties: {
          rel: { type: 'string' },
          type: { type: 'string' },
          href: { type: 'string', format: 'uri' },
          titles: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
    },
  },
};

const WEBFINGER_OPERATION = {
  operationId: 'getWebfinger',
  tags: ['Well-Known'],
  summary: WEBFINGER,
  description: 'RFC 7033 WebFinger: information about a resource, such as the issuer of its account.',
  security: [],
  parameters: [
    { name: 'resource', in: 'query', required: true, schema: { type: 'string', format: 'uri' } },
    { name: 'rel', in: 'query', schema: { type: 'array', items: { type: 'string' } } },
  ],
  responses: {
    '200': { description: 'OK', content: { 'application/jrd+json': { schema: { $ref: '#/components/schemas/DrillJrd' } } } },
    '4XX': ERROR,
    default: ERROR,
  },
};

const REGISTRATION_OPERATION = {
  operationId: 'registerDrillClient',
  tags: ['Well-Known'],
  summary: REGISTRATIONS,
  description: 'Registers a client of a tenant (a drill: its response schema is stricter than its request schema).',
  security: [],
  parameters: [
    { name: 'tenant', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9-]{1,32}$' } },
    { name: 'Idempotency-Key', in: 'header', schema: { type: 'string', maxLength: 64 } },
  ],
  requestBody: {
    required: true,
    content: {
      'application/json': {
        schema: {
          type: 'object',
          required: ['client_name', 'redirect_uris'],
          properties: {
            client_name: { type: 'string', maxLength: 128 },
            redirect_uris: { type: 'array', minItems: 1, items: { type: 'string', format: 'uri' } },
          },
          additionalProperties: false,
        },
      },
    },
  },
  responses: {
    '201': {
      description: 'Created',
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['client_id', 'client_name', 'redirect_uris'],
            properties: {
              client_id: { type: 'string' },
              client_name: { type: 'string', maxLength: 64 },
              redirect_uris: { type: 'array', items: { type: 'string' } },
              idempotency_key: { type: 'string' },
            },
            additionalProperties: false,
          },
        },
      },
    },
    '400': API_ERROR,
    '4XX': API_ERROR,
    '500': API_ERROR,
    default: ERROR,
  },
};

/** The handlers, as the README's loop says to write them: functions of their validated inputs. */
const HANDLER_CODE = `    getWebfinger: ({ query }) => {
      // RFC 7033 §4.2: 404 for a resource the server has no information about.
      if (query.resource !== \`acct:alice@\${new URL(metadata.issuer).host}\`) throw new NotFoundError('No information about this resource');
      const links = [
        { rel: '${ISSUER_REL}', href: metadata.issuer },
        { rel: 'describedby', href: \`\${metadata.issuer}/.well-known/oauth-authorization-server\` },
      ];
      return {
        status: 200,
        body: { subject: query.resource, links: links.filter((link) => query.rel === undefined || query.rel.includes(link.rel)) },
      };
    },
    registerDrillClient: ({ path, header, body }) => ({
      status: 201,
      body: {
        client_id: \`\${path.tenant}-client\`,
        client_name: body.client_name,
        redirect_uris: body.redirect_uris,
        ...(header['Idempotency-Key'] === undefined ? {} : { idempotency_key: header['Idempotency-Key'] }),
      },
    }),
`;

let copy: string;
let server: NodeProcess | undefined;
let url = '';
const temps: string[] = [];
const drill: {
  generate?: CopyRun;
  operations?: string;
  typecheck?: CopyRun;
  build?: CopyRun;
  chunks?: string[];
} = {};

/** Runs `node <args>` in the copy. */
const inCopy = (args: readonly string[]): Promise<CopyRun> => runInCopy(copy, args);

/** The copy's openapi.json, read independently of the server: Ajv 2020 straight from the document. */
let spec: Record<string, any>;
let ajv: Ajv2020;

/** Ajv's errors of `body` against what the copy's openapi.json declares for (path, method, key), or null. */
function declaredErrors(path: string, method: string, key: string, body: unknown): unknown[] | null {
  let pointer = `#/paths/${path.replaceAll('~', '~0').replaceAll('/', '~1')}/${method}/responses/${key}`;
  const response = spec.paths[path][method].responses[key];
  if (typeof response.$ref === 'string') pointer = response.$ref;
  const resolved = typeof response.$ref === 'string' ? spec.components.responses[response.$ref.split('/').pop()] : response;
  const mediaType = Object.keys(resolved.content)[0] as string;
  const validate = ajv.compile({ $ref: `drill.json${pointer}/content/${mediaType.replaceAll('/', '~1')}/schema` });
  return validate(body) ? null : (validate.errors ?? []);
}

/** A request through fetch, its answer with its JSON body parsed (when it has one). */
async function send(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}) {
  const response = await fetch(url + path, { method, headers: init.headers, body: init.body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text === '' ? undefined : JSON.parse(text) };
}

const resource = `acct:alice@${new URL(ISSUER).host}`;
const webfinger = (query: string) => `${WEBFINGER}?${query}`;
const registrations = (tenant: string) => REGISTRATIONS.replace('{tenant}', tenant);
const JSON_HEADERS = { 'content-type': 'application/json' };
const registration = { client_name: 'Drill', redirect_uris: ['https://client.example/cb'] };

beforeAll(async () => {
  copy = copyProject('wk-operations-drill-', ENTRIES);
  temps.push(copy);

  // 1. Add the operations to openapi.json.
  const specFile = join(copy, 'openapi.json');
  spec = JSON.parse(readFileSync(specFile, 'utf8')) as Record<string, any>;
  spec.paths[WEBFINGER] = { get: WEBFINGER_OPERATION };
  spec.paths[REGISTRATIONS] = { post: REGISTRATION_OPERATION };
  spec.components.schemas.DrillJrd = JRD;
  writeFileSync(specFile, `${JSON.stringify(spec, null, 2)}\n`);
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(spec, 'drill.json');

  // 2. npm run generate.
  drill.generate = await inCopy(['--import', 'tsx', 'scripts/generate.ts']);
  if (!drill.generate.ok) throw new Error(`npm run generate failed in the copy: ${drill.generate.output}`);
  drill.operations = readFileSync(join(copy, 'generated/operations.ts'), 'utf8');

  // 3. Write the handlers where handlers are registered, and type-check them with the server they run in.
  const handlersFile = join(copy, HANDLERS);
  const handlers = readFileSync(handlersFile, 'utf8');
  const anchor = '  return {\n';
  if (!handlers.includes(anchor)) throw new Error(`${HANDLERS} no longer returns the handler map as the drill expects`);
  const imports = "import { NotFoundError } from '../errors.js';\n";
  writeFileSync(handlersFile, imports + handlers.replace(anchor, anchor + HANDLER_CODE));
  writeFileSync(
    join(copy, 'tsconfig.drill.json'),
    JSON.stringify({ extends: './tsconfig.json', include: ['src', 'generated', 'scripts'] }),
  );
  drill.typecheck = await inCopy([join(ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', join(copy, 'tsconfig.drill.json')]);

  // 4. npm run build, and the bundle started as operators start it.
  drill.build = await inCopy(['--import', 'tsx', 'scripts/build.ts']);
  if (!drill.build.ok) throw new Error(`npm run build failed in the copy: ${drill.build.output}`);
  drill.chunks = readdirSync(join(copy, 'dist/chunks'));
  const keysDir = keysDirWith({ drill: rsaKey() });
  temps.push(keysDir);
  const env = { PORT: '0', ADMIN_PORT: '0', HOST: '127.0.0.1', ADMIN_HOST: '127.0.0.1', LOG_LEVEL: 'info', KEYS_DIR: keysDir, ISSUER };
  server = spawnLogged(process.execPath, [join(copy, 'dist/main.js')], { cwd: copy, env });
  const listening = await server.listening;
  url = `http://127.0.0.1:${String(listening.port)}`;
}, DRILL_CEILING_MS);

afterAll(async () => {
  if (server !== undefined && server.child.exitCode === null) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe('adding operations with parameters and a body to openapi.json', () => {
  it('npm run generate compiles them as operations, not documents', () => {
    expect(drill.generate?.ok).toBe(true);
    expect(drill.operations).toContain(`getWebfinger: { method: 'get', path: '${WEBFINGER}', kind: 'operation' }`);
    expect(drill.operations).toContain(`registerDrillClient: { method: 'post', path: '${REGISTRATIONS}', kind: 'operation' }`);
  });

  it('their handlers type-check against the types generated from openapi.json', () => {
    expect(drill.typecheck).toEqual({ ok: true, output: '' });
  });

  it('the build puts the run-time tier in a chunk of its own', () => {
    expect(drill.build?.ok).toBe(true);
    expect(drill.chunks?.some((file) => /^operations-.*\.js$/.test(file))).toBe(true);
  });
});

describe(`GET ${WEBFINGER}, served by the bundle`, () => {
  it('answers 200 in application/jrd+json with a JRD for a known resource, never cached', async () => {
    const response = await send('GET', webfinger(`resource=${encodeURIComponent(resource)}`));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/jrd+json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('etag')).toBeNull();
    expect(declaredErrors(WEBFINGER, 'get', '200', response.json)).toBeNull();
    expect(response.json).toEqual({
      subject: resource,
      links: [
        { rel: ISSUER_REL, href: ISSUER },
        { rel: 'describedby', href: `${ISSUER}/.well-known/oauth-authorization-server` },
      ],
    });
  });

  it('hands a repeated rel to the handler as an array, and a single one as an array of one', async () => {
    const both = await send(
      'GET',
      webfinger(`resource=${encodeURIComponent(resource)}&rel=describedby&rel=${encodeURIComponent(ISSUER_REL)}`),
    );
    expect(both.json.links.map((link: { rel: string }) => link.rel)).toEqual([ISSUER_REL, 'describedby']);
    const one = await send('GET', webfinger(`rel=describedby&resource=${encodeURIComponent(resource)}`));
    expect(one.json.links.map((link: { rel: string }) => link.rel)).toEqual(['describedby']);
  });

  it('answers HEAD like GET, without a body', async () => {
    const response = await send('HEAD', webfinger(`resource=${encodeURIComponent(resource)}`));
    expect(response.status).toBe(200);
    expect(response.text).toBe('');
    expect(response.headers.get('content-type')).toBe('application/jrd+json');
  });

  it('answers 400 naming the missing parameter, in the shape it declares (upstream Error)', async () => {
    const response = await send('GET', WEBFINGER);
    expect(response.status).toBe(400);
    expect(declaredErrors(WEBFINGER, 'get', '4XX', response.json)).toBeNull();
    expect(response.json.message).toContain('query parameter "resource"');
  });

  it('answers 400 naming a parameter its schema refuses', async () => {
    const response = await send('GET', webfinger('resource=not%20a%20uri'));
    expect(response.status).toBe(400);
    expect(declaredErrors(WEBFINGER, 'get', '4XX', response.json)).toBeNull();
    expect(response.json.message).toMatch(/query parameter "resource": must match format "uri"/);
  });

  it('answers the 404 its handler throws, in the shape it declares', async () => {
    const response = await send('GET', webfinger('resource=acct%3Abob%40drill.example'));
    expect(response.status).toBe(404);
    expect(declaredErrors(WEBFINGER, 'get', '4XX', response.json)).toBeNull();
  });

  it('never answers 304: its answer depends on the request', async () => {
    const response = await send('GET', webfinger(`resource=${encodeURIComponent(resource)}`), { headers: { 'if-none-match': '*' } });
    expect(response.status).toBe(200);
  });

  it('answers another method with 405 and the path’s methods', async () => {
    const response = await send('DELETE', WEBFINGER);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
  });
});

describe(`POST ${REGISTRATIONS}, served by the bundle`, () => {
  it('answers 201 in the declared media type with the handler’s body, never cached', async () => {
    const response = await send('POST', registrations('acme'), {
      headers: { ...JSON_HEADERS, 'idempotency-key': 'k1', 'if-none-match': '*' },
      body: JSON.stringify(registration),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('etag')).toBeNull();
    expect(declaredErrors(REGISTRATIONS, 'post', '201', response.json)).toBeNull();
    expect(response.json).toEqual({ client_id: 'acme-client', ...registration, idempotency_key: 'k1' });
  });

  it.each([
    [
      'a body its schema refuses',
      'acme',
      JSON_HEADERS,
      JSON.stringify({ client_name: 'Drill' }),
      'body /redirect_uris: is required by openapi.json',
    ],
    ['no body', 'acme', {}, undefined, 'body (document): is required by openapi.json'],
    [
      'a path parameter its pattern refuses',
      'ACME',
      JSON_HEADERS,
      JSON.stringify(registration),
      'path parameter "tenant": must match pattern',
    ],
    [
      'a header parameter over its maxLength',
      'acme',
      { ...JSON_HEADERS, 'idempotency-key': 'k'.repeat(65) },
      JSON.stringify(registration),
      'header parameter "idempotency-key": must NOT have more than 64 characters',
    ],
    ['a body that is not JSON', 'acme', JSON_HEADERS, '{"client_name":', 'The request body is not valid JSON'],
  ])('answers %s with 400 naming it, in the shape it declares', async (_case, tenant, headers, body, named) => {
    const response = await send('POST', registrations(tenant), { headers, body });
    expect(response.status).toBe(400);
    expect(declaredErrors(REGISTRATIONS, 'post', '400', response.json)).toBeNull();
    expect(response.json.message).toContain(named);
  });

  it('answers a body in another media type with 415, in the shape it declares', async () => {
    const response = await send('POST', registrations('acme'), {
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(registration),
    });
    expect(response.status).toBe(415);
    expect(declaredErrors(REGISTRATIONS, 'post', '4XX', response.json)).toBeNull();
  });

  it(`answers a body announced over ${REQUEST_BODY_LIMIT_BYTES} bytes with 413 from its head, and closes the connection`, async () => {
    const path = registrations('acme');
    const [response, ...more] = parseResponses(
      await raw(
        url,
        `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${REQUEST_BODY_LIMIT_BYTES + 1}\r\n\r\n`,
      ),
    );
    expect(more).toEqual([]);
    expect(response?.status).toBe(413);
    expect(response?.headers.connection).toBe('close');
    expect(declaredErrors(REGISTRATIONS, 'post', '4XX', JSON.parse(response?.body ?? ''))).toBeNull();
  });

  it('answers a chunked body that grows past the bound with 413 once it does, and closes the connection', async () => {
    const size = REQUEST_BODY_LIMIT_BYTES + 1;
    const head = `POST ${registrations('acme')} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
    // One byte over the bound and no last chunk: the answer can only come from the server cutting the body off.
    const [response, ...more] = parseResponses(await raw(url, `${head}${size.toString(16)}\r\n${'a'.repeat(size)}\r\n`));
    expect(more).toEqual([]);
    expect(response?.status).toBe(413);
    expect(response?.headers.connection).toBe('close');
  });

  it('keeps the connection open after a body it read: two requests on one connection, both answered', async () => {
    const body = JSON.stringify(registration);
    const request = `POST ${registrations('acme')} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const socket = rawSocket(url);
    let answers = '';
    socket.on('data', (chunk) => (answers += chunk.toString()));
    socket.write(request + request.replace('Host: x\r\n', 'Host: x\r\nConnection: close\r\n'));
    await new Promise((resolve) => socket.once('close', resolve));
    const responses = parseResponses(answers);
    expect(responses.map((response: ParsedResponse) => response.status)).toEqual([201, 201]);
    expect(responses[0]?.headers.connection).toBe('keep-alive');
  });

  it('answers 500 in the shape it declares when the handler’s body breaks the response schema, and logs the pointer', async () => {
    const response = await send('POST', registrations('acme'), {
      headers: JSON_HEADERS,
      body: JSON.stringify({ ...registration, client_name: 'n'.repeat(100) }),
    });
    expect(response.status).toBe(500);
    expect(declaredErrors(REGISTRATIONS, 'post', '500', response.json)).toBeNull();
    expect(response.text).not.toContain('client_name');
    const logged = () => JSON.stringify(server?.lines.filter((line) => line.status === 500));
    await expect.poll(logged, { timeout: 20_000 }).toContain('/client_name: must NOT have more than 64 characters');
  });

  it('answers another method with 405 and the path’s methods, and OPTIONS with them', async () => {
    const get = await send('GET', registrations('acme'));
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST, OPTIONS');
    const options = await send('OPTIONS', registrations('acme'));
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('POST, OPTIONS');
  });
});

describe('the documents beside the operations', () => {
  it('are still prebuilt: 200 with an ETag, 304 for it', async () => {
    const first = await send('GET', '/.well-known/jwks.json');
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect((await send('GET', '/.well-known/jwks.json', { headers: { 'if-none-match': etag } })).status).toBe(304);
  });
});
