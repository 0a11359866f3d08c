/**
 * Answering with an operation's prebuilt, validated representation (`src/documents/`): per request, a lookup of
 * the answer's head, built once per representation, and the conditional GET of RFC 9110 §13.1.2 where the
 * operation declares a 304: an `If-None-Match` holding the tag, a list containing it, its weak form, or `*`
 * answers 304 Not Modified without a body (the comparison is weak, as §13.1.2 requires).
 *
 * The head is written with one `writeHead` and the body with `end`, with Koa's response handling turned off for
 * the request (`ctx.respond = false`, Koa's documented way out): setting the dozen fields one by one (Node's
 * `setHeader`, Koa's `ctx.set`, `ctx.etag`, `ctx.body`, then Koa's `respond`) measured ~40 % more of the server's
 * CPU per answered request than this (ours and the minimal Koa app loaded at once on one core, new processes every
 * round, JWKS answers).
 * Every other answer (errors, OPTIONS, 405) goes through Koa.
 */
import type { Context } from 'koa';
import type { Representation } from '../documents/representation.js';
import { REQUEST_ID_FIELD } from './request-id.js';

/**
 * Whether an `If-None-Match` field value matches `etag` (a quoted strong tag). Not Koa's `ctx.fresh`: its `fresh`
 * module answers 200 to any request carrying `Cache-Control: no-cache`, which `fetch()` adds to every conditional
 * request (Fetch §4.5, HTTP-network-or-cache fetch), so browsers and Node's fetch would never get their 304; that
 * directive is for caches (RFC 9111 §5.2.1.4), and an origin server evaluates `If-None-Match` regardless.
 */
function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined || header === '') return false;
  if (header === etag) return true;
  for (const part of header.split(',')) {
    const tag = part.trim();
    if (tag === '*' || tag === etag || (tag.startsWith('W/') && tag.slice(2) === etag)) return true;
  }
  return false;
}

/**
 * The fields of one answer as `writeHead` takes them (`[name, value, name, value, ...]`), the request id's value
 * first: a slot filled for the request being answered and emptied right after (`writeHead` reads the list at once).
 */
type Head = string[];

/** The heads of a representation's answers: 200 (GET and HEAD) and 304. */
interface Heads {
  readonly ok: Head;
  readonly notModified: Head;
}

/** What every answer of the documents carries besides its own fields, in order. */
export interface AnswerFields {
  /** Security and CORS fields every answer carries (`common-headers.ts`). */
  readonly common: ReadonlyArray<readonly [string, string]>;
  /** `Cache-Control` of successful answers. */
  readonly cacheControl: string;
}

/** Answers documents; one per application, holding the heads of the representations it has answered with. */
export class DocumentAnswers {
  readonly #fields: AnswerFields;
  /** Heads by representation: a key reload makes a new representation, and the old one's heads go with it. */
  readonly #heads = new WeakMap<Representation, Heads>();

  constructor(fields: AnswerFields) {
    this.#fields = fields;
  }

  /**
   * Answers the request with `representation` (200, or 304 for a matching `If-None-Match`), writing the whole
   * answer. `varying` are fields that depend on the request (CORS with an origin list), as name/value pairs.
   */
  answer(ctx: Context, representation: Representation, requestId: string, varying: readonly string[]): void {
    const heads = this.#heads.get(representation) ?? this.#build(representation);
    const res = ctx.res;
    const notModified = representation.notModified && ifNoneMatchHits(ctx.req.headers['if-none-match'], representation.etag);
    const own = notModified ? heads.notModified : heads.ok;
    const head = varying.length === 0 ? own : own.concat(varying);
    head[1] = requestId;
    ctx.respond = false;
    try {
      res.writeHead(notModified ? 304 : 200, head);
    } finally {
      head[1] = '';
    }
    // Node sends no body for HEAD (the fields say what GET would send) nor for 304.
    res.end(notModified ? undefined : representation.body);
  }

  #build(representation: Representation): Heads {
    const { common, cacheControl } = this.#fields;
    const shared = [REQUEST_ID_FIELD, '', ...common.flat(), 'ETag', representation.etag, 'Cache-Control', cacheControl];
    const heads: Heads = {
      // RFC 9110 §15.4.5: a 304 carries the fields a 200 would have sent among Cache-Control, ETag and Vary.
      notModified: shared,
      ok: [...shared, 'Content-Type', representation.mediaType, 'Content-Length', String(representation.body.length)],
    };
    this.#heads.set(representation, heads);
    return heads;
  }
}
