/**
 * The contract at run time: `openapi.json` as `npm run generate` compiled it (`generated/contract.js`, written by
 * `scripts/contract/compile.ts`). It lists the operations, and validates bodies with the validators Ajv compiled
 * from the document's schemas ahead of time, so the server never loads a schema compiler. What validates the JWKS
 * body is {@link Contract.responseIssues} for `getWellKnownJwksJson` and status 200: the validator named in the
 * record for that response, whose code is in the generated module.
 *
 * The record carries the SHA-256 of the `openapi.json` it was compiled from; {@link Contract.load} refuses any
 * other document, so what the server validates with is always what the file says.
 */
import { contract as generated } from '../../generated/contract.js';
import { SpecError } from '../errors.js';
import type { OperationMethod, OperationRef } from './operation-id.js';
import { schemaProblems, type SchemaError, type SchemaProblem } from './schema-problems.js';
import { defaultSpecPath, loadSpecFile, specDigest, type OpenApiDocument } from './spec.js';

/** A compiled schema validator: Ajv's standalone code. */
export interface Validator {
  (data: unknown): boolean;
  errors?: readonly SchemaError[] | null;
}

/**
 * How an operation is served (`scripts/contract/shapes.ts` decides): a `document` (a GET with no parameters and no
 * request body whose 200 has a JSON body) is prebuilt once per change of its data; an `operation` is matched,
 * validated and answered per request by the run-time tier (`src/http/operations.ts`).
 */
export type OperationKind = 'document' | 'operation';

/** An operation of the compiled contract. */
export interface CompiledOperation extends OperationRef {
  readonly method: OperationMethod;
  readonly kind: OperationKind;
  /**
   * Every response the operation declares, by its key in `openapi.json` (`200`, `4XX`, `default`): the name of
   * the validator of its JSON body, or `null` when it declares none.
   */
  readonly responses: Readonly<Record<string, string | null>>;
  /** The JSON media type of each response that declares a body, by its key: `application/jwk-set+json`. */
  readonly mediaTypes: Readonly<Record<string, string>>;
  /** The request body the operation declares: its JSON media type, and whether it is required. */
  readonly requestBody: { readonly mediaType: string; readonly required: boolean } | null;
}

/** A response an operation declares, as {@link Contract.declaredResponse} finds it. */
export interface DeclaredResponse {
  /** Its key in the operation's `responses`: `500`, `5XX` or `default`. */
  readonly key: string;
  /** The name of the validator of its `application/json` body, or `null` when it declares no JSON body. */
  readonly validator: string | null;
}

/** What `npm run generate` compiles from `openapi.json` (see `scripts/contract/compile.ts`). */
export interface CompiledContract {
  /** SHA-256 (hex) of the `openapi.json` bytes it was compiled from. */
  readonly sha256: string;
  readonly operations: readonly CompiledOperation[];
  /** `components.schemas`, dereferenced, each with the name of its validator. */
  readonly components: Readonly<Record<string, { readonly schema: Readonly<Record<string, unknown>>; readonly validator: string }>>;
  /** The validators, by name. */
  readonly validators: Readonly<Record<string, Validator>>;
}

/**
 * What to run when `openapi.json` is not the compiled one: the sources import `generated/` (written by
 * `npm run generate`), a bundle has the contract compiled into it (`npm run build`, which generates first).
 */
const RECOMPILE = import.meta.url.endsWith('.ts') ? 'npm run generate' : 'npm run build';

/** `openapi.json`, loaded as compiled. */
export class Contract {
  /** The file whose digest matched. */
  readonly file: string;
  /** Its document, as read (the run-time tier of operations initialises openapi-backend from it). */
  readonly document: OpenApiDocument;
  readonly operations: readonly CompiledOperation[];
  readonly #compiled: CompiledContract;

  private constructor(file: string, document: OpenApiDocument, compiled: CompiledContract) {
    this.file = file;
    this.document = document;
    this.#compiled = compiled;
    this.operations = compiled.operations;
  }

  /**
   * Reads `file` (default: the project's `openapi.json`) and checks that `compiled` (default: `generated/`) was
   * compiled from exactly its bytes. Throws a one-line {@link SpecError} saying what to run when it was not, or
   * naming the file when it cannot be read.
   */
  static load(file: string = defaultSpecPath(), compiled: CompiledContract = generated): Contract {
    const { bytes, document } = loadSpecFile(file);
    const digest = specDigest(bytes);
    if (digest !== compiled.sha256) {
      throw new SpecError(
        `${file} is not the document the contract was compiled from (SHA-256 ${digest.slice(0, 12)}…, compiled ${compiled.sha256.slice(0, 12)}…): run \`${RECOMPILE}\``,
      );
    }
    return new Contract(file, document, compiled);
  }

  /**
   * Problems of `body` as the `status` response of operation `operationId`, validated against the response the
   * operation declares for that status, else for its class (`5XX`), else `default` (OpenAPI 3.1 §4.8.16); empty
   * when it is valid.
   */
  responseIssues(operationId: string, status: number, body: unknown): SchemaProblem[] {
    return this.#issues(this.declaredResponse(operationId, status)?.validator, body, `${operationId} ${status}`);
  }

  /**
   * The response operation `operationId` declares for `status`: the one declared for that status, else for its
   * class (`5XX`), else `default` (OpenAPI 3.1 §4.8.16); `undefined` when it declares none of them.
   *
   * @see https://spec.openapis.org/oas/v3.1.0#responses-object
   */
  declaredResponse(operationId: string, status: number): DeclaredResponse | undefined {
    const responses = this.operations.find((operation) => operation.id === operationId)?.responses ?? {};
    const key = [String(status), `${String(status).charAt(0)}XX`, 'default'].find((candidate) => candidate in responses);
    return key === undefined ? undefined : { key, validator: responses[key] ?? null };
  }

  /** Problems of `value` against the compiled validator named `validator`; empty when it is valid. */
  validatorIssues(validator: string, value: unknown): SchemaProblem[] {
    return this.#issues(validator, value, validator);
  }

  /** The validator of `components.schemas[name]`, or a {@link SpecError} when the document lacks it. */
  componentValidator(name: string): string {
    return this.#component(name).validator;
  }

  /**
   * How a validator is named for people: `components.schemas.Error` when it is a component's, else the schema
   * written inline at `where` (a JSON pointer into `openapi.json`).
   */
  describeValidator(validator: string, where: string): string {
    const component = Object.entries(this.#compiled.components).find(([, entry]) => entry.validator === validator)?.[0];
    return component === undefined ? `the schema at ${where}` : `components.schemas.${component}`;
  }

  /** Problems of `value` against `components.schemas[name]`; empty when it is valid. */
  componentIssues(name: string, value: unknown): SchemaProblem[] {
    return this.#issues(this.#component(name).validator, value, name);
  }

  /** The dereferenced `components.schemas[name]`, or a {@link SpecError} when the document lacks it. */
  componentSchema(name: string): Readonly<Record<string, unknown>> {
    return this.#component(name).schema;
  }

  #component(name: string): CompiledContract['components'][string] {
    const component = this.#compiled.components[name];
    if (component === undefined) throw new SpecError(`openapi.json has no components.schemas.${name}`);
    return component;
  }

  #issues(validator: string | null | undefined, value: unknown, what: string): SchemaProblem[] {
    const validate = validator === null || validator === undefined ? undefined : this.#compiled.validators[validator];
    if (validate === undefined) {
      return [{ pointer: '', message: `openapi.json defines no application/json schema for ${what}` }];
    }
    validate(value);
    return schemaProblems(validate.errors);
  }
}
