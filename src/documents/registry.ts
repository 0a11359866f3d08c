/**
 * The handler map: one handler per operation of `openapi.json`, a {@link DocumentSource} for a document, a
 * function for any other operation. Its type comes from `generated/`, so an operation added to the contract
 * without a handler is a type error; {@link bindHandlers} refuses the same at startup for the contract actually
 * loaded, and a handler of the wrong kind. Handlers are registered in `src/documents/handlers.ts`.
 */
import type { Contract } from '../contract/contract.js';
import { formatSchemaProblem } from '../contract/schema-problems.js';
import { DocumentInvalidError, HandlerMissingError, SpecError } from '../errors.js';
import type { DocumentSource } from './document-source.js';
import { HANDLERS_FILE } from './handlers.js';
import type { AnyOperationHandler } from './operation-handler.js';
import { PublishedDocument, type DocumentEvent } from './representation.js';

/** The published documents, one per document of the contract, and the handlers of its other operations. */
export interface PublishedDocuments {
  /** The document of operation `operationId`; every document of the contract has one. */
  get(operationId: string): PublishedDocument;
  /** Every document, for readiness. */
  readonly all: readonly PublishedDocument[];
  /** The handler of each operation that is not a document, by id (`src/http/operations.ts` calls them). */
  readonly operations: ReadonlyMap<string, AnyOperationHandler>;
  /** Stops following the handlers. */
  close(): void;
}

/**
 * Connects each operation of `contract` to its handler: for a document, builds and validates the first
 * representation now and rebuilds on every notification of the handler's source. Throws
 * {@link HandlerMissingError} naming operations without a handler, a {@link SpecError} for a handler whose
 * operation the loaded contract does not define or that is of the wrong kind, and a {@link DocumentInvalidError}
 * when a document that never changes (a constant source) does not validate: it would only ever be a 500. A source
 * that changes (the key store) keeps its rule: its last good document, or 500 until there is one.
 */
export function bindHandlers(
  contract: Contract,
  handlers: Readonly<Record<string, DocumentSource<unknown> | AnyOperationHandler>>,
  emit: (event: DocumentEvent) => void,
): PublishedDocuments {
  const missing = contract.operations
    .filter((op) => handlers[op.id] === undefined)
    .map((op) => `${op.id} (${op.method.toUpperCase()} ${op.path})`);
  if (missing.length > 0) throw new HandlerMissingError(missing, HANDLERS_FILE);
  const known = new Set(contract.operations.map((op) => op.id));
  const extra = Object.keys(handlers).filter((id) => !known.has(id));
  if (extra.length > 0) throw new SpecError(`handlers for operations that ${contract.file} does not define: ${extra.join(', ')}`);

  // A stale build (generated/ and the handlers out of step) could pair a document with a function, or the reverse.
  const wrongKind = contract.operations
    .filter((op) => (typeof handlers[op.id] === 'function') !== (op.kind === 'operation'))
    .map((op) => `${op.id} is ${op.kind === 'document' ? 'a document (a DocumentSource)' : 'an operation (a function)'}`);
  if (wrongKind.length > 0) throw new SpecError(`handlers of the wrong kind in ${HANDLERS_FILE}: ${wrongKind.join(', ')}`);

  const byId = new Map<string, PublishedDocument>();
  const operations = new Map<string, AnyOperationHandler>();
  const unsubscribes: Array<() => void> = [];
  const invalid: string[] = [];
  for (const operation of contract.operations) {
    const handler = handlers[operation.id];
    if (typeof handler === 'function') {
      operations.set(operation.id, handler);
      continue;
    }
    const source = handler as DocumentSource<unknown>;
    const validate = (body: unknown): string[] => contract.responseIssues(operation.id, 200, body).map(formatSchemaProblem);
    const document = new PublishedDocument(operation.id, validate, emit, {
      mediaType: operation.mediaTypes['200'] ?? 'application/json',
      notModified: '304' in operation.responses,
    });
    if (source.constant === true) {
      const problems = validate(source.current());
      invalid.push(...problems.map((problem) => `${operation.id} (${operation.method.toUpperCase()} ${operation.path}) ${problem}`));
      if (problems.length > 0) continue;
    }
    const rebuild = (): void => document.rebuild(() => source.current());
    unsubscribes.push(source.subscribe(rebuild));
    rebuild();
    byId.set(operation.id, document);
  }
  if (invalid.length > 0) {
    unsubscribes.forEach((unsubscribe) => unsubscribe());
    throw new DocumentInvalidError(invalid, HANDLERS_FILE);
  }
  return {
    get(operationId) {
      const document = byId.get(operationId);
      if (document === undefined) throw new SpecError(`the contract has no operation ${operationId}`);
      return document;
    },
    all: Object.freeze([...byId.values()]),
    operations,
    close: () => unsubscribes.forEach((unsubscribe) => unsubscribe()),
  };
}
