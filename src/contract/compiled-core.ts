/**
 * The contract answered from the build's compiled record (see `compile.ts`): the same operations, routing
 * decisions and validators openapi-backend produced for the same `openapi.json`, without initialising it at
 * startup. Only documents whose requests cannot vary are compiled, so request validation here has nothing left
 * to check.
 */
import { SpecError } from '../errors.js';
import type { ContractCore, ContractOperation, Validator } from './core.js';
import type { OperationMethod } from './operation-id.js';
import { RouteTable, type StaticRoutes } from './routes.js';

/** The data part of a compiled contract (the module also exports one validator per name used here). */
export interface CompiledContract {
  /** SHA-256 (hex) of the `openapi.json` bytes the record was compiled from. */
  readonly sha256: string;
  readonly operations: ReadonlyArray<{ readonly id: string; readonly method: OperationMethod; readonly path: string }>;
  readonly routes: StaticRoutes;
  /** Operation id → status → exported validator name. */
  readonly responses: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Component name → its dereferenced schema and exported validator name. */
  readonly components: Readonly<Record<string, { readonly schema: Readonly<Record<string, unknown>>; readonly validator: string }>>;
}

/** The compiled module: the record and one validator export per name it uses. */
export interface CompiledModule {
  readonly contract: CompiledContract;
  readonly [validator: string]: unknown;
}

/** Builds a {@link ContractCore} from a compiled module. */
export function compiledCore(module: CompiledModule): ContractCore {
  const record = module.contract;
  const validator = (name: string | undefined): Validator | undefined => {
    if (name === undefined) return undefined;
    const validate = module[name];
    if (typeof validate !== 'function') throw new SpecError(`the compiled contract lacks validator ${name}; rebuild with npm run build`);
    return validate as Validator;
  };
  const operations: ContractOperation[] = record.operations.map((operation) => ({
    ...operation,
    staticRequest: true,
    queryParameters: new Set(),
  }));
  const byId = new Map(operations.map((operation) => [operation.id, operation]));
  const resolve = (id: string): ContractOperation => {
    const operation = byId.get(id);
    if (operation === undefined) throw new SpecError(`the compiled contract routes to unknown operation ${id}`);
    return operation;
  };
  return {
    source: 'compiled',
    operations: Object.freeze(operations),
    routes: new RouteTable(record.routes, resolve),
    requestErrors: () => null,
    responseValidator: (operationId, status) => validator(record.responses[operationId]?.[String(status)]),
    componentValidator: (name) => validator(record.components[name]?.validator),
    componentSchema: (name) => record.components[name]?.schema,
  };
}
