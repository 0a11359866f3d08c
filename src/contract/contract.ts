/**
 * The contract: `openapi.json` loaded once, with everything derived from it that requests need (the route table,
 * which operations' requests can vary, compiled validators). Every per-request question is a lookup.
 *
 * The answers come from openapi-backend. When the build has compiled a record of them for the very bytes of the
 * `openapi.json` being loaded (`compile.ts`), the record is used and openapi-backend is not initialised again at
 * startup; otherwise openapi-backend is loaded and initialised on the document here.
 */
import { BadRequestError, SpecError } from '../errors.js';
import type { CompiledModule } from './compiled-core.js';
import type { ContractCore, ContractOperation, ContractRequest, ContractSource, Validator } from './core.js';
import type { RouteMatch } from './routes.js';
import { formatSchemaErrors, formatSchemaProblem, schemaProblems, type SchemaProblem } from './schema-problems.js';
import { defaultSpecPath, loadSpecFile, specDigest, type OpenApiDocument } from './spec.js';

export type { ContractOperation, ContractRequest } from './core.js';

/** Where the build puts the compiled record, next to the bundle. */
const COMPILED_RECORD = new URL('./compiled-contract.js', import.meta.url);

/** The compiled record next to this module, if the build made one. */
async function compiledRecord(): Promise<CompiledModule | undefined> {
  try {
    return (await import(COMPILED_RECORD.href)) as CompiledModule;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

/** `openapi.json`, loaded and ready to route and validate. */
export class Contract {
  /** The document as supplied (no derived ids). */
  readonly document: OpenApiDocument;
  /** The file it was read from. */
  readonly file: string;
  /** Whether openapi-backend was initialised at startup, or the build's compiled record of it was used. */
  readonly source: ContractSource;
  readonly operations: readonly ContractOperation[];
  readonly #core: ContractCore;

  private constructor(file: string, document: OpenApiDocument, core: ContractCore) {
    this.file = file;
    this.document = document;
    this.#core = core;
    this.source = core.source;
    this.operations = core.operations;
  }

  /**
   * Reads and loads `file` (default: the project's `openapi.json`). Throws a {@link SpecError} on any problem.
   * `compiled: false` ignores the build's record and always initialises openapi-backend.
   */
  static async load(file: string = defaultSpecPath(), options: { readonly compiled?: boolean } = {}): Promise<Contract> {
    const { bytes, document } = loadSpecFile(file);
    const record = options.compiled === false ? undefined : await compiledRecord();
    if (record !== undefined && record.contract.sha256 === specDigest(bytes)) {
      const { compiledCore } = await import('./compiled-core.js');
      return new Contract(file, document, compiledCore(record));
    }
    const { loadBackendCore } = await import('./backend-core.js');
    return new Contract(file, document, await loadBackendCore(document));
  }

  /** Resolves a request to an operation, a 405 with its `Allow` list, or a 404. */
  match(method: string, path: string): RouteMatch<ContractOperation> {
    return this.#core.routes.match(method, path);
  }

  /**
   * Validates a request whose operation declares parameters or a body; operations with neither were validated at
   * load. Throws a {@link BadRequestError} listing the problems.
   */
  validateRequest(operation: ContractOperation, request: ContractRequest): void {
    if (operation.staticRequest) return;
    const errors = this.#core.requestErrors(operation, request);
    if (errors !== null) throw new BadRequestError('The request does not match the API contract', formatSchemaErrors(errors));
  }

  /** Problems of `body` as operation `operationId`'s `status` response; empty when it is valid. */
  responseIssues(operationId: string, status: number, body: unknown): SchemaProblem[] {
    return issuesOf(this.#core.responseValidator(operationId, status), body, `${operationId} ${status}`);
  }

  /** Problems of `value` against `components.schemas[name]`; empty when it is valid. */
  componentIssues(name: string, value: unknown): SchemaProblem[] {
    const validate = this.#core.componentValidator(name);
    if (validate === undefined) throw new SpecError(`openapi.json has no components.schemas.${name}`);
    return issuesOf(validate, value, name);
  }

  /** {@link Contract.responseIssues} as lines: `/extra: is not allowed by openapi.json (additionalProperties: false)`. */
  responseProblems(operationId: string, status: number, body: unknown): string[] {
    return this.responseIssues(operationId, status, body).map(formatSchemaProblem);
  }

  /** {@link Contract.componentIssues} as lines: `/code: must be string,null`. */
  componentProblems(name: string, value: unknown): string[] {
    return this.componentIssues(name, value).map(formatSchemaProblem);
  }

  /** The dereferenced `components.schemas[name]`, or a {@link SpecError} when the document lacks it. */
  componentSchema(name: string): Readonly<Record<string, unknown>> {
    const schema = this.#core.componentSchema(name);
    if (schema === undefined) throw new SpecError(`openapi.json has no components.schemas.${name}`);
    return schema;
  }
}

function issuesOf(validate: Validator | undefined, value: unknown, what: string): SchemaProblem[] {
  if (validate === undefined) {
    return [{ pointer: '', member: '(document)', message: `openapi.json defines no application/json schema for ${what}` }];
  }
  validate(value);
  return schemaProblems(validate.errors);
}
