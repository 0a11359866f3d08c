/**
 * The handler map: one {@link DocumentSource} per operation of `openapi.json`. Its type comes from `generated/`,
 * so an operation added to the contract without a handler is a type error; {@link bindHandlers} refuses the same
 * at startup for the contract actually loaded. Handlers are registered in `src/documents/handlers.ts`.
 */
import type { Contract } from '../contract/contract.js';
import { formatSchemaProblem } from '../contract/schema-problems.js';
import { HandlerMissingError, SpecError } from '../errors.js';
import type { DocumentSource } from './document-source.js';
import { HANDLERS_FILE } from './handlers.js';
import { PublishedDocument, type DocumentEvent } from './representation.js';

/** The published documents, one per operation of the contract. */
export interface PublishedDocuments {
  /** The document of operation `operationId`; every operation of the contract has one. */
  get(operationId: string): PublishedDocument;
  /** Every document, for readiness. */
  readonly all: readonly PublishedDocument[];
  /** Stops following the handlers. */
  close(): void;
}

/**
 * Connects each operation of `contract` to its handler: builds and validates the first representation now and
 * rebuilds on every notification of the handler's source. Throws {@link HandlerMissingError} naming operations
 * without a handler, and a {@link SpecError} for a handler whose operation the loaded contract does not define.
 */
export function bindHandlers(
  contract: Contract,
  handlers: Readonly<Record<string, DocumentSource<unknown>>>,
  emit: (event: DocumentEvent) => void,
): PublishedDocuments {
  const missing = contract.operations
    .filter((op) => handlers[op.id] === undefined)
    .map((op) => `${op.id} (${op.method.toUpperCase()} ${op.path})`);
  if (missing.length > 0) throw new HandlerMissingError(missing, HANDLERS_FILE);
  const known = new Set(contract.operations.map((op) => op.id));
  const extra = Object.keys(handlers).filter((id) => !known.has(id));
  if (extra.length > 0) throw new SpecError(`handlers for operations that ${contract.file} does not define: ${extra.join(', ')}`);

  const byId = new Map<string, PublishedDocument>();
  const unsubscribes: Array<() => void> = [];
  for (const operation of contract.operations) {
    const source = handlers[operation.id] as DocumentSource<unknown>;
    const validate = (body: unknown): string[] => contract.responseIssues(operation.id, 200, body).map(formatSchemaProblem);
    const document = new PublishedDocument(operation.id, validate, emit);
    const rebuild = (): void => document.rebuild(() => source.current());
    unsubscribes.push(source.subscribe(rebuild));
    rebuild();
    byId.set(operation.id, document);
  }
  return {
    get(operationId) {
      const document = byId.get(operationId);
      if (document === undefined) throw new SpecError(`the contract has no operation ${operationId}`);
      return document;
    },
    all: Object.freeze([...byId.values()]),
    close: () => unsubscribes.forEach((unsubscribe) => unsubscribe()),
  };
}
