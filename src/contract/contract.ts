/**
 * The contract: `openapi.json` loaded into openapi-backend once, with everything derived from it that requests
 * need (the route table, which operations' requests can vary, compiled validators). Built once per start; every
 * per-request question is a lookup.
 */
import type { ValidateFunction } from 'ajv';
import { BadRequestError, SpecError } from '../errors.js';
import { createAjv, formatSchemaErrors, formatSchemaProblem, schemaProblems, type SchemaProblem } from './ajv.js';
import { createBackend, type Backend } from './backend.js';
import type { OperationMethod } from './operation-id.js';
import { RouteTable, type RouteMatch } from './routes.js';
import { defaultSpecPath, listOperations, readSpec, type OpenApiDocument } from './spec.js';

/** An operation as the HTTP layer needs it. */
export interface ContractOperation {
  readonly id: string;
  readonly method: OperationMethod;
  readonly path: string;
  /**
   * True when the operation declares no parameters and no request body: then nothing in a request can change
   * the validation result, which was computed once at load. Otherwise requests are validated one by one.
   */
  readonly staticRequest: boolean;
  /** Query parameter names the operation declares; other query parameters (cache-busters) are ignored. */
  readonly queryParameters: ReadonlySet<string>;
}

/** A request as the contract validates it. */
export interface ContractRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string | string[] | undefined>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** The members of a dereferenced operation that decide how its requests are validated. */
interface Operation {
  readonly parameters?: ReadonlyArray<{ readonly in: string; readonly name: string }>;
  readonly requestBody?: unknown;
}

/** `openapi.json`, loaded and ready to route and validate. */
export class Contract {
  /** The document as supplied (no derived ids). */
  readonly document: OpenApiDocument;
  /** The file it was read from. */
  readonly file: string;
  readonly operations: readonly ContractOperation[];
  readonly routes: RouteTable<ContractOperation>;
  readonly #backend: Backend;
  readonly #componentValidators = new Map<string, ValidateFunction>();

  private constructor(file: string, document: OpenApiDocument, backend: Backend) {
    this.file = file;
    this.document = document;
    this.#backend = backend;
    const byId = new Map<string, ContractOperation>();
    for (const ref of listOperations(document)) {
      const operation = backend.getOperation(ref.id) as Operation | undefined;
      if (operation === undefined) throw new SpecError(`openapi-backend did not register operation ${ref.id}`);
      const parameters = operation.parameters ?? [];
      byId.set(ref.id, {
        id: ref.id,
        method: ref.method,
        path: ref.path,
        staticRequest: parameters.length === 0 && operation.requestBody === undefined,
        queryParameters: new Set(parameters.filter((p) => p.in === 'query').map((p) => p.name)),
      });
    }
    this.operations = Object.freeze([...byId.values()]);
    this.routes = new RouteTable(backend, (id) => {
      const operation = byId.get(id);
      if (operation === undefined) throw new SpecError(`the router returned unknown operation ${id}`);
      return operation;
    });
    for (const operation of this.operations) {
      if (!operation.staticRequest) continue;
      // Validated once: with no parameters and no body, every request gets this same result.
      const result = backend.validateRequest({ method: operation.method, path: operation.path, headers: {} }, operation.id);
      if (!result.valid) {
        throw new SpecError(`${operation.id}: a request without parameters fails its own validation: ${formatSchemaErrors(result.errors).join('; ')}`);
      }
      if (this.responseValidatorFor(operation.id, 200) === undefined) {
        throw new SpecError(`${operation.id}: openapi.json has no application/json schema for its 200 response`);
      }
    }
  }

  /** Reads and loads `file` (default: the project's `openapi.json`). Throws a {@link SpecError} on any problem. */
  static async load(file: string = defaultSpecPath()): Promise<Contract> {
    const document = readSpec(file);
    const backend = await createBackend(document);
    return new Contract(file, document, backend);
  }

  /** Resolves a request to an operation, a 405 with its `Allow` list, or a 404. */
  match(method: string, path: string): RouteMatch<ContractOperation> {
    return this.routes.match(method, path);
  }

  /**
   * Validates a request whose operation declares parameters or a body; operations with neither were validated at
   * load. Throws a {@link BadRequestError} listing the problems.
   */
  validateRequest(operation: ContractOperation, request: ContractRequest): void {
    if (operation.staticRequest) return;
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(request.query)) {
      if (value !== undefined && operation.queryParameters.has(name)) query[name] = value;
    }
    const result = this.#backend.validateRequest(
      { method: request.method, path: request.path, query, headers: { ...request.headers } as Record<string, string | string[]> },
      operation.id,
    );
    if (!result.valid) throw new BadRequestError('The request does not match the API contract', formatSchemaErrors(result.errors));
  }

  /** Problems of `body` as operation `operationId`'s `status` response; empty when it is valid. */
  responseIssues(operationId: string, status: number, body: unknown): SchemaProblem[] {
    const validate = this.responseValidatorFor(operationId, status);
    if (validate === undefined) {
      return [{ pointer: '', member: '(document)', message: `openapi.json defines no application/json schema for ${operationId} ${status}` }];
    }
    validate(body);
    return schemaProblems(validate.errors);
  }

  /** Problems of `value` against `components.schemas[name]`; empty when it is valid. */
  componentIssues(name: string, value: unknown): SchemaProblem[] {
    const validate = this.componentValidator(name);
    validate(value);
    return schemaProblems(validate.errors);
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
    const definition = this.#backend.definition as OpenApiDocument;
    const schema = definition.components?.schemas?.[name];
    if (schema === undefined) throw new SpecError(`openapi.json has no components.schemas.${name}`);
    return schema as Record<string, unknown>;
  }

  private componentValidator(name: string): ValidateFunction {
    let validate = this.#componentValidators.get(name);
    if (validate === undefined) {
      validate = createAjv().compile(this.componentSchema(name));
      this.#componentValidators.set(name, validate);
    }
    return validate;
  }

  private responseValidatorFor(operationId: string, status: number): ValidateFunction | undefined {
    const byStatus = this.#backend.validator.getStatusBasedResponseValidatorForOperation(operationId);
    return (byStatus?.[String(status)] as ValidateFunction | undefined) ?? undefined;
  }
}
