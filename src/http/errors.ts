/**
 * The one error renderer, and the error bodies it renders. An error answer has the shape `openapi.json`
 * declares for it (the rule is `src/contract/error-schemas.ts`): the contract's `ApiErrorResponse` (`message`,
 * `type`, an ISO 8601 `timestamp`, plus `code`, `url` and `detail`) for everything this service declares itself
 * and for errors before routing, and upstream's `Error` (`code` = the HTTP status, `status`, `message`) for an
 * operation that declares its errors upstream-style, as `default` → `Error`.
 *
 * The shape of each declared error schema is chosen once, at startup ({@link errorRendering}): the first shape whose
 * sample bodies validate against the schema. A declared error schema no shape satisfies stops the boot, naming
 * the operation and the schema. Internal details never reach a client: anything that is not an {@link HttpError}
 * is answered as a generic 500, and the cause is kept on `ctx.state` for the request log line, the one place
 * errors are logged.
 *
 * @see https://spec.openapis.org/oas/v3.1.0#responses-object
 */
import { STATUS_CODES } from 'node:http';
import type { Context } from 'koa';
import type { components } from '../../generated/openapi.js';
import type { Contract } from '../contract/contract.js';
import { methodNotAllowedValidator, operationErrorValidator, unroutedErrorValidator } from '../contract/error-schemas.js';
import { toPointer } from '../contract/schema-problems.js';
import { HttpError, InternalError, MethodNotAllowedError, SpecError } from '../errors.js';
import type { ErrorState, RouteState } from './request-state.js';

/** The contract's error body. */
export type ApiErrorResponse = components['schemas']['ApiErrorResponse'];

/** Upstream's error body, which operations declaring `default` → `Error` answer with. */
type UpstreamError = components['schemas']['Error'];

/** What an error body is made of. */
export type RenderedError = Pick<HttpError, 'status' | 'message' | 'type' | 'code' | 'detail'>;

/** The media type of an error answer unless its operation declares another JSON one for its status. */
const JSON_TYPE = 'application/json';

/** This file, as the boot refusal for an error schema no shape satisfies names it. */
const RENDERERS_FILE = 'src/http/errors.ts';

/** The `ApiErrorResponse` for `error` at `path`. */
export function errorBody(error: RenderedError, path: string): ApiErrorResponse {
  const body: ApiErrorResponse = {
    message: error.message,
    type: error.type,
    code: error.code,
    url: path,
    timestamp: new Date().toISOString(),
  };
  if (error.detail !== undefined) body.detail = error.detail;
  return body;
}

/** The upstream `Error` for `error`: its HTTP status as `code`, the status's reason phrase as `status`. */
function upstreamErrorBody(error: RenderedError): UpstreamError {
  const body: UpstreamError = { code: error.status, status: STATUS_CODES[error.status] ?? 'Error', message: error.message };
  // `errors` is an object of anything; structured details (the 405's `allow`) fit, anything else is left out.
  if (typeof error.detail === 'object' && error.detail !== null && !Array.isArray(error.detail)) {
    body.errors = error.detail as Record<string, unknown>;
  }
  return body;
}

/** An error body shape the server can render. */
interface ErrorShape {
  readonly name: string;
  readonly render: (error: RenderedError, path: string) => unknown;
}

/** Every shape, in order of preference: a schema both accept gets the service's own. */
const ERROR_SHAPES: readonly ErrorShape[] = [
  { name: 'ApiErrorResponse', render: errorBody },
  { name: 'Error', render: upstreamErrorBody },
];

/** The statuses a declared response key stands for, as sample errors are rendered for it. */
function sampleStatuses(key: string): number[] {
  if (/^[1-5]XX$/.test(key)) return [Number(key.charAt(0)) * 100];
  if (key === 'default') return [400, 500];
  return [Number(key)];
}

/** Whether a declared response key can describe an error answer. */
function isErrorKey(key: string): boolean {
  return key === 'default' || key === '4XX' || key === '5XX' || Number(key) >= 400;
}

/** Sample errors of `status`, with and without a structured detail, as real errors have them. */
function samples(status: number): RenderedError[] {
  const base = { status, message: STATUS_CODES[status] ?? 'Error', type: 'sample', code: 'ERR_INTERNAL' as const };
  return [
    { ...base, detail: undefined },
    { ...base, detail: { allow: ['GET', 'HEAD', 'OPTIONS'] } },
  ];
}

/** Where an error schema is used, for the boot refusal. */
interface SchemaUse {
  readonly what: string;
  readonly where: string;
  readonly statuses: number[];
}

/** How the errors of one contract are rendered, chosen once at startup. */
export interface ErrorRendering {
  /** The body for `error` answered to `method` on `path`; `route` is the matched path of `openapi.json`, if any. */
  body(error: HttpError, route: string | undefined, method: string, path: string): unknown;
  /** The media type of that answer: the one its operation declares for the status, else `application/json`. */
  mediaType(error: HttpError, route: string | undefined, method: string): string;
}

const renderings = new WeakMap<Contract, ErrorRendering>();

/**
 * How the errors of `contract` are rendered (built once per contract). Throws a {@link SpecError} naming each
 * operation whose declared error schema no shape of this file satisfies.
 */
export function errorRendering(contract: Contract): ErrorRendering {
  let rendering = renderings.get(contract);
  if (rendering === undefined) {
    rendering = buildRendering(contract);
    renderings.set(contract, rendering);
  }
  return rendering;
}

function buildRendering(contract: Contract): ErrorRendering {
  const uses = new Map<string, SchemaUse[]>();
  const use = (validator: string, entry: SchemaUse): void => void uses.set(validator, [...(uses.get(validator) ?? []), entry]);
  use(unroutedErrorValidator(contract), {
    what: 'every error answered before routing',
    where: '#/components/schemas',
    statuses: [400, 404, 405, 413, 431, 500],
  });
  for (const operation of contract.operations) {
    for (const [key, validator] of Object.entries(operation.responses)) {
      if (validator === null || !isErrorKey(key)) continue;
      use(validator, {
        what: `${operation.id} (${operation.method.toUpperCase()} ${operation.path}) for its ${key} response`,
        where: `#${toPointer(['paths', operation.path, operation.method, 'responses', key])}`,
        statuses: sampleStatuses(key),
      });
    }
  }
  const shapes = new Map<string, ErrorShape>();
  const problems: string[] = [];
  for (const [validator, entries] of uses) {
    const fits = (shape: ErrorShape): boolean =>
      entries.every((entry) =>
        entry.statuses.every((status) =>
          samples(status).every((sample) => contract.validatorIssues(validator, shape.render(sample, '/')).length === 0),
        ),
      );
    const shape = ERROR_SHAPES.find(fits);
    if (shape !== undefined) {
      shapes.set(validator, shape);
      continue;
    }
    for (const entry of entries) {
      problems.push(
        `${entry.what} declares ${contract.describeValidator(validator, entry.where)}, which no error shape of ${RENDERERS_FILE} ` +
          `(${ERROR_SHAPES.map((candidate) => candidate.name).join(', ')}) satisfies`,
      );
    }
  }
  if (problems.length > 0) throw new SpecError(`${contract.file}: ${problems.join('; ')}`);

  const shapeOf = (validator: string): ErrorShape => shapes.get(validator) as ErrorShape;
  const fallback = shapeOf(unroutedErrorValidator(contract));
  // Per path: the operations by method, and the 405's shape. (A HEAD's error has no body to shape.)
  const paths = new Map<string, { methods: Map<string, string>; methodNotAllowed: ErrorShape }>();
  for (const operation of contract.operations) {
    const entry = paths.get(operation.path) ?? {
      methods: new Map<string, string>(),
      methodNotAllowed: shapeOf(methodNotAllowedValidator(contract, operation.path)),
    };
    entry.methods.set(operation.method.toUpperCase(), operation.id);
    paths.set(operation.path, entry);
  }
  // The media type an operation declares for a status, when the body follows what it declares there.
  const declaredMediaType = (operationId: string, status: number): string => {
    const declared = contract.declaredResponse(operationId, status);
    const operation = contract.operations.find((candidate) => candidate.id === operationId);
    return declared?.validator === null || declared === undefined ? JSON_TYPE : (operation?.mediaTypes[declared.key] ?? JSON_TYPE);
  };
  // Statuses are those of the error classes, a handful: each operation's answer per status is looked up once.
  type Answer = { readonly shape: ErrorShape; readonly mediaType: string };
  const byOperation = new Map<string, Map<number, Answer>>();
  const operationAnswer = (operationId: string, status: number): Answer => {
    let byStatus = byOperation.get(operationId);
    if (byStatus === undefined) byOperation.set(operationId, (byStatus = new Map<number, Answer>()));
    let answer = byStatus.get(status);
    if (answer === undefined) {
      answer = {
        shape: shapeOf(operationErrorValidator(contract, operationId, status)),
        mediaType: declaredMediaType(operationId, status),
      };
      byStatus.set(status, answer);
    }
    return answer;
  };
  const operationOf = (route: string | undefined, method: string): string | undefined =>
    route === undefined ? undefined : paths.get(route)?.methods.get(method);

  return {
    body(error, route, method, path) {
      const entry = route === undefined ? undefined : paths.get(route);
      const operationId = operationOf(route, method);
      const shape =
        operationId !== undefined
          ? operationAnswer(operationId, error.status).shape
          : entry !== undefined && error.status === 405
            ? entry.methodNotAllowed
            : fallback;
      return shape.render(error, path);
    },
    mediaType(error, route, method) {
      const operationId = operationOf(route, method);
      return operationId === undefined ? JSON_TYPE : operationAnswer(operationId, error.status).mediaType;
    },
  };
}

/** The client-facing error for anything thrown: itself when it is an {@link HttpError}, otherwise a generic 500. */
function toHttpError(error: unknown): HttpError {
  return error instanceof HttpError ? error : new InternalError({ cause: error });
}

/**
 * Writes `error` as the response, replacing whatever a later middleware had set. Errors are never cached by clients
 * or CDNs. A request refused for its framing is answered as the operation it names declares (`framing.ts`).
 */
function renderError(ctx: Context, error: HttpError, rendering: ErrorRendering): void {
  const state = ctx.state as ErrorState & RouteState;
  state.error = error;
  const route = state.refusedFor ?? state.route;
  ctx.status = error.status;
  ctx.set({ 'Content-Type': rendering.mediaType(error, route, ctx.method), 'Cache-Control': 'no-store' });
  ctx.remove('ETag');
  if (error instanceof MethodNotAllowedError) ctx.set('Allow', error.allow.join(', '));
  ctx.body = Buffer.from(JSON.stringify(rendering.body(error, route, ctx.method, ctx.path)));
}

/**
 * Answers whatever the router throws in the shape `contract` declares for it (see {@link errorRendering}, which
 * throws when the contract declares an error schema no shape satisfies). The outermost middleware (`observe.ts`)
 * calls it from its rejection handler.
 */
export function errorAnswerer(contract: Contract): (ctx: Context, thrown: unknown) => void {
  const rendering = errorRendering(contract);
  return (ctx, thrown) => renderError(ctx, toHttpError(thrown), rendering);
}
