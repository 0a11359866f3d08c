/**
 * The contract answered by openapi-backend, initialised on `openapi.json` at startup. Its routing decisions are
 * taken once into a {@link RouteTable}; requests of operations without parameters or body are validated once
 * here; everything else is asked of openapi-backend itself.
 */
import type { ValidateFunction } from 'ajv';
import { SpecError } from '../errors.js';
import { createAjv } from './ajv.js';
import { createBackend, type Backend } from './backend.js';
import type { ContractCore, ContractOperation, ContractRequest, Validator } from './core.js';
import { OPERATION_METHODS, type OperationMethod } from './operation-id.js';
import { RouteTable, allowedMethods, type RouteMatch, type StaticRoutes, type TemplatedRouter } from './routes.js';
import { formatSchemaErrors } from './schema-problems.js';
import { listOperations, type OpenApiDocument } from './spec.js';

/** The members of a dereferenced operation that decide how its requests are validated. */
interface Operation {
  readonly parameters?: ReadonlyArray<{ readonly in: string; readonly name: string }>;
  readonly requestBody?: unknown;
}

/** The operations of `document` as openapi-backend registered them. */
function operationsOf(document: OpenApiDocument, backend: Backend): ContractOperation[] {
  return listOperations(document).map((ref) => {
    const operation = backend.getOperation(ref.id) as Operation | undefined;
    if (operation === undefined) throw new SpecError(`openapi-backend did not register operation ${ref.id}`);
    const parameters = operation.parameters ?? [];
    return {
      id: ref.id,
      method: ref.method,
      path: ref.path,
      staticRequest: parameters.length === 0 && operation.requestBody === undefined,
      queryParameters: new Set(parameters.filter((p) => p.in === 'query').map((p) => p.name)),
    };
  });
}

/** openapi-backend's routing decision for every method of every path without templates. */
export function staticRoutesOf(backend: Backend): StaticRoutes {
  const routes: Record<string, Record<string, string>> = {};
  for (const operation of backend.getOperations()) {
    if (operation.path.includes('{')) continue;
    // Ask the router itself, so the table holds openapi-backend's decision and not a re-implementation.
    const routed = backend.router.matchOperation({ method: operation.method, path: operation.path, headers: {} });
    if (routed?.operationId === undefined)
      throw new SpecError(`openapi-backend does not route ${operation.method.toUpperCase()} ${operation.path}`);
    (routes[operation.path] ??= {})[operation.method.toUpperCase()] = routed.operationId;
  }
  return routes;
}

/** openapi-backend's router for templated paths. */
function templatedRouter(backend: Backend): TemplatedRouter {
  const lookup = (method: string, path: string) => backend.router.matchOperation({ method: method.toLowerCase(), path, headers: {} });
  return (method, path): RouteMatch<string> => {
    const direct = lookup(method, path) ?? (method === 'HEAD' ? lookup('GET', path) : undefined);
    if (direct?.operationId !== undefined) return { kind: 'operation', operation: direct.operationId };
    const methods = OPERATION_METHODS.filter((m: OperationMethod) => lookup(m, path) !== undefined);
    return methods.length === 0 ? { kind: 'not-found' } : { kind: 'method-not-allowed', allow: allowedMethods(methods) };
  };
}

/**
 * Initialises openapi-backend on `document` and checks what can be checked once: every operation without
 * parameters passes its own request validation and has a JSON schema for its 200 response.
 */
export async function loadBackendCore(document: OpenApiDocument): Promise<ContractCore & { readonly backend: Backend }> {
  const backend = await createBackend(document);
  const operations = operationsOf(document, backend);
  const byId = new Map(operations.map((operation) => [operation.id, operation]));
  const resolve = (id: string): ContractOperation => {
    const operation = byId.get(id);
    if (operation === undefined) throw new SpecError(`the router returned unknown operation ${id}`);
    return operation;
  };
  const templated = backend.getOperations().some((operation) => operation.path.includes('{'));
  const componentValidators = new Map<string, ValidateFunction>();
  const definition = (): OpenApiDocument => backend.definition as OpenApiDocument;
  const core = {
    source: 'openapi-backend' as const,
    backend,
    operations: Object.freeze(operations),
    routes: new RouteTable(staticRoutesOf(backend), resolve, templated ? templatedRouter(backend) : undefined),
    requestErrors(operation: ContractOperation, request: ContractRequest) {
      const query: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(request.query)) {
        if (value !== undefined && operation.queryParameters.has(name)) query[name] = value;
      }
      const headers = { ...request.headers } as Record<string, string | string[]>;
      const result = backend.validateRequest({ method: request.method, path: request.path, query, headers }, operation.id);
      return result.valid ? null : (result.errors ?? []);
    },
    responseValidator(operationId: string, status: number): Validator | undefined {
      const byStatus = backend.validator.getStatusBasedResponseValidatorForOperation(operationId);
      return (byStatus?.[String(status)] as ValidateFunction | undefined) ?? undefined;
    },
    componentSchema(name: string) {
      return definition().components?.schemas?.[name] as Readonly<Record<string, unknown>> | undefined;
    },
    componentValidator(name: string): Validator | undefined {
      const schema = core.componentSchema(name);
      if (schema === undefined) return undefined;
      let validate = componentValidators.get(name);
      if (validate === undefined) {
        validate = createAjv().compile(schema);
        componentValidators.set(name, validate);
      }
      return validate;
    },
  };
  for (const operation of operations) {
    if (!operation.staticRequest) continue;
    // Validated once: with no parameters and no body, every request gets this same result.
    const errors = core.requestErrors(operation, { method: operation.method, path: operation.path, query: {}, headers: {} });
    if (errors !== null) {
      throw new SpecError(
        `${operation.id}: a request without parameters fails its own validation: ${formatSchemaErrors(errors).join('; ')}`,
      );
    }
    if (core.responseValidator(operation.id, 200) === undefined) {
      throw new SpecError(`${operation.id}: openapi.json has no application/json schema for its 200 response`);
    }
  }
  return core;
}
