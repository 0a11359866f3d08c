/**
 * The run-time tier: the operations of `openapi.json` that are not prebuilt documents (they take parameters or a
 * JSON body, or answer other than 200; `scripts/contract/shapes.ts` decides), matched and validated per request by
 * openapi-backend on Koa, as the design card says. This module, and openapi-backend with it, is loaded only when
 * the contract has such an operation (`service.ts` imports it dynamically), so documents never pay for it.
 *
 * Per request: openapi-backend matches the operation (`matchOperation`); the framing is judged (`framing.ts`), and
 * for an operation that declares a body, its head and then the body itself (`request-body.ts`); openapi-backend
 * validates the parameters and the body against the operation (Ajv 2020, path and query parameters coerced to
 * their types); an invalid request is a 400 naming each parameter or JSON pointer, in the shape the operation
 * declares for it (the error renderer, `errors.ts`). The handler (`src/documents/handlers.ts`) gets the validated
 * inputs and returns a status and a body; the status must be a success status the operation declares and the
 * body must pass that status's schema (the compiled validators of `generated/contract.js`), else the answer is a
 * 500 and the log line names each JSON pointer. The answer carries the media type the operation declares for the
 * status, and `Cache-Control: no-store`: it depends on the request, and only prebuilt documents are cached (never
 * an ETag or a 304 here).
 *
 * openapi-backend's router has no notion of "the methods of a path", which a 405's `Allow` and the CORS preflight
 * need, nor of whether a request's body is read before the application sees it (`server.ts`); this module answers
 * both from the contract's path templates, matched as openapi-backend matches them.
 */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'koa';
import type { Operation, Request } from 'openapi-backend';
import { createBackend } from '../contract/backend.js';
import type { CompiledOperation, Contract } from '../contract/contract.js';
import { formatSchemaProblem, pointerSegments, schemaProblems, toPointer, type SchemaProblem } from '../contract/schema-problems.js';
import type { AnyOperationHandler } from '../documents/operation-handler.js';
import { BadRequestError, InternalError, ResponseInvalidError } from '../errors.js';
import { announcesBody, closeUnread, framingError, hostError, refuseBadFraming } from './framing.js';
import { readJsonBody, requestBodyError } from './request-body.js';

/** The methods of a path of the contract, for `Allow`. */
export interface PathMethods {
  /** The path as `openapi.json` spells it, the route label of the request. */
  readonly template: string;
  readonly allow: readonly string[];
  /** {@link PathMethods.allow}, joined. */
  readonly allowHeader: string;
}

/** An operation a request matched. */
export interface MatchedOperation {
  /** The path as `openapi.json` spells it, the route label of the request. */
  readonly path: string;
}

/** The tier, bound to the handlers. */
export interface OperationTier {
  /** The operation (not a document) that openapi-backend matches the request to, or `undefined`. */
  match(ctx: Context): MatchedOperation | undefined;
  /** Answers a request matched by {@link OperationTier.match}. */
  answer(ctx: Context, matched: MatchedOperation): Promise<void>;
  /** The methods of a templated path of the contract that `path` matches, or `undefined`. */
  methodsOf(path: string): PathMethods | undefined;
  /** Whether the request is for an operation whose body is read (see `server.ts`). */
  readonly readsBody: (req: IncomingMessage) => boolean;
}

/** An operation (not a document) with what answering it needs, resolved once. */
interface Entry extends MatchedOperation {
  readonly compiled: CompiledOperation;
  /** openapi-backend's dereferenced operation, which it validates requests against. */
  readonly operation: Operation;
  /** The declared header parameters: the name a handler reads, and the lower-case field name. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly handler: AnyOperationHandler;
}

/** A success status (RFC 9110 §15.3), the only statuses a handler answers with. */
const SUCCESS = /^2\d\d$/;

/**
 * A path template as a pattern, as openapi-backend matches templates: each `{name}` stands for one or more
 * characters other than `/`, the rest literally.
 */
function templatePattern(template: string): RegExp {
  const literal = template.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${literal.join('[^/]+')}$`);
}

/** `Allow` for a path's operations' methods, in contract order: HEAD where GET is, OPTIONS always. */
function allowOf(methods: readonly string[]): string[] {
  const allow = methods.flatMap((method) => (method === 'get' ? ['GET', 'HEAD'] : [method.toUpperCase()]));
  return [...new Set([...allow, 'OPTIONS'])];
}

/**
 * How a request fails its operation's schemas, named for the client: `query parameter "resource": is required by
 * openapi.json`, `body /name: must be string`. openapi-backend validates `{path, query, header, requestBody}`.
 */
function describeProblem(problem: SchemaProblem): string {
  const [where = '', name = '', ...rest] = pointerSegments(problem.pointer);
  if (where === 'requestBody')
    return `body ${toPointer([name, ...rest].filter((segment) => segment !== '')) || '(document)'}: ${problem.message}`;
  if (name === '') return formatSchemaProblem(problem);
  return `${where} parameter ${JSON.stringify(name)}${toPointer(rest)}: ${problem.message}`;
}

/** Why a handler's `result` is not an answer the operation declares; empty when it is one. */
function answerProblems(contract: Contract, compiled: CompiledOperation, result: unknown): string[] {
  const status = typeof result === 'object' && result !== null && 'status' in result ? result.status : undefined;
  const key = String(status);
  if (typeof status !== 'number' || !SUCCESS.test(key) || !(key in compiled.responses)) {
    return [`status ${key} is not a success status openapi.json declares for ${compiled.id}`];
  }
  const body = (result as { body?: unknown }).body;
  const validator = compiled.responses[key] ?? null;
  if (validator === null) return body === undefined ? [] : [`openapi.json declares no body for ${compiled.id} ${key}`];
  return contract.validatorIssues(validator, body).map(formatSchemaProblem);
}

/**
 * Initialises openapi-backend on the contract's `openapi.json` (before anything listens: it takes a moment), and
 * returns what binds the tier to the handlers once they exist.
 */
export async function prepareOperationTier(
  contract: Contract,
): Promise<(handlers: ReadonlyMap<string, AnyOperationHandler>) => OperationTier> {
  const backend = await createBackend(contract.document, true);
  const templates = new Map<string, string[]>();
  for (const operation of contract.operations) {
    if (operation.path.includes('{')) templates.set(operation.path, [...(templates.get(operation.path) ?? []), operation.method]);
  }
  const patterns = [...templates].map(([template, methods]) => {
    const allow = allowOf(methods);
    return { pattern: templatePattern(template), methods: { template, allow, allowHeader: allow.join(', ') } };
  });

  return (handlers) => {
    const entries = new Map<string, Entry>();
    for (const compiled of contract.operations) {
      const handler = handlers.get(compiled.id);
      const operation = backend.getOperation(compiled.id);
      if (compiled.kind !== 'operation' || handler === undefined || operation === undefined) continue;
      const headers = (operation.parameters ?? []).flatMap((parameter) =>
        'in' in parameter && parameter.in === 'header' ? [[parameter.name, parameter.name.toLowerCase()] as const] : [],
      );
      entries.set(compiled.id, { path: compiled.path, compiled, operation, headers, handler });
    }
    /** What openapi-backend reads of a request: HEAD is matched as GET (RFC 9110 §9.3.2). */
    const requestOf = (method: string | undefined, path: string, ctx?: Context): Request => ({
      method: method === 'HEAD' ? 'get' : (method ?? '').toLowerCase(),
      path,
      headers: (ctx?.req.headers ?? {}) as Request['headers'],
      query: ctx?.querystring ?? '',
    });
    const entryFor = (request: Request): Entry | undefined => {
      const id = backend.matchOperation(request)?.operationId;
      return id === undefined ? undefined : entries.get(id);
    };

    const answer = async (ctx: Context, entry: Entry): Promise<void> => {
      const { compiled, operation, req } = { ...entry, req: ctx.req };
      ctx.set('Cache-Control', 'no-store');
      const reads = compiled.requestBody !== null;
      const framing = reads ? (hostError(req) ?? requestBodyError(req, compiled.requestBody.mediaType)) : framingError(req);
      if (framing !== undefined) {
        if (reads) closeUnread(req, ctx.res);
        refuseBadFraming(ctx, framing, entry.path);
      }
      let body: unknown;
      if (reads && announcesBody(req.headers)) {
        if (req.headers.expect?.toLowerCase() === '100-continue') ctx.res.writeContinue();
        body = await readJsonBody(req, () => closeUnread(req, ctx.res));
      }
      const request = { ...requestOf(ctx.method, ctx.path, ctx), body };
      let validation;
      try {
        validation = backend.validateRequest(request, operation);
      } catch (error) {
        // A path parameter that is not valid percent-encoding (decodeURIComponent throws).
        if (error instanceof URIError)
          throw new BadRequestError('The request path is not valid percent-encoding', undefined, { cause: error });
        throw error;
      }
      if (!validation.valid) {
        const problems = schemaProblems(validation.errors).map(describeProblem);
        throw new BadRequestError(`The request does not satisfy openapi.json: ${problems.join('; ')}`, { problems });
      }
      const header = Object.fromEntries(
        entry.headers.flatMap(([name, field]) => (req.headers[field] === undefined ? [] : [[name, req.headers[field]]])),
      );
      // openapi-backend's coerced request: path and query parameters as their schemas type them.
      const coerced = validation.coerced as { params?: Record<string, unknown>; query?: Record<string, unknown> } | undefined;
      const input = { path: coerced?.params ?? {}, query: coerced?.query ?? {}, header, body };
      // The inputs passed the operation's schemas, which is what the handler's OperationInput types.
      const result = await entry.handler(input as never);
      const problems = answerProblems(contract, compiled, result);
      if (problems.length > 0) {
        throw new InternalError({
          cause: new ResponseInvalidError(`${compiled.id} answered what openapi.json does not declare: ${problems.join('; ')}`),
        });
      }
      const { status, body: answered } = result as { status: number; body?: unknown };
      ctx.status = status;
      if (answered === undefined) ctx.body = null;
      else {
        // Set as a field, not `ctx.type`: Koa's type lookup would add a charset or rename the declared type.
        ctx.set('Content-Type', compiled.mediaTypes[String(status)] ?? 'application/json');
        ctx.body = Buffer.from(JSON.stringify(answered));
      }
    };

    return {
      match: (ctx) => entryFor(requestOf(ctx.method, ctx.path, ctx)),
      answer: (ctx, matched) => answer(ctx, matched as Entry),
      methodsOf(path) {
        const matching = patterns.filter(({ pattern }) => pattern.test(path));
        if (matching.length <= 1) return matching[0]?.methods;
        const allow = [...new Set(matching.flatMap(({ methods }) => methods.allow))];
        return { template: matching[0]?.methods.template ?? path, allow, allowHeader: allow.join(', ') };
      },
      readsBody: (req) => {
        const entry = entryFor(requestOf(req.method, (req.url ?? '').split('?')[0] ?? ''));
        return entry !== undefined && entry.compiled.requestBody !== null;
      },
    };
  };
}
