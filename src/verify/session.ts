/** What every check of one `verify` run shares: where to look, the contract, the report, the request settings. */
import type { Contract } from '../contract/contract.js';
import { finding, type Rule } from '../rules/finding.js';
import { UnreachableError } from '../errors.js';
import { send, type Exchange } from './http.js';
import { ReportBuilder } from './report.js';

/** One request of a check. */
export interface CheckRequest {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A transport failure is recorded with this severity (default `fail`). */
  readonly severity?: 'fail' | 'warn';
  /** Rethrow a transport failure instead of recording it: the run cannot continue without this answer. */
  readonly fatal?: boolean;
}

/** One run of `verify`. */
export class Session {
  readonly report = new ReportBuilder();

  constructor(
    /** The base URL without trailing slash: the expected issuer. */
    readonly base: string,
    readonly contract: Contract,
    readonly timeoutMs: number,
    /** The Origin sent by the CORS checks. */
    readonly origin: string,
    private readonly progress: (line: string) => void,
  ) {}

  /** `path` on the base URL. */
  url(path: string): string {
    return `${this.base}${path}`;
  }

  /** How a request is named in the report: `GET /.well-known/jwks.json`, or with the full URL off the base. */
  subject(method: string, url: string): string {
    return `${method} ${url.startsWith(`${this.base}/`) ? url.slice(this.base.length) : url}`;
  }

  /**
   * Sends a request for `rule`, with a progress line. A transport failure (refused, timeout) becomes a result of
   * `rule` and `undefined`, unless `fatal`.
   */
  async request(rule: Rule, url: string, options: CheckRequest = {}): Promise<Exchange | undefined> {
    const method = options.method ?? 'GET';
    this.progress(`[${rule.id}] ${method} ${url}`);
    const headers = options.headers === undefined ? {} : { headers: options.headers };
    try {
      return await send(url, { method, ...headers, timeoutMs: this.timeoutMs });
    } catch (error) {
      if (options.fatal === true || !(error instanceof UnreachableError)) throw error;
      this.report.check(rule, this.subject(method, url), [finding(rule, error.message)], '', options.severity ?? 'fail');
      return undefined;
    }
  }
}
