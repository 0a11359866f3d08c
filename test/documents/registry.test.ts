import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { operations } from '../../generated/operations.js';
import { Contract } from '../../src/contract/contract.js';
import { projectRoot } from '../../src/contract/spec.js';
import { constantSource } from '../../src/documents/document-source.js';
import { HANDLERS_FILE, registerHandlers } from '../../src/documents/handlers.js';
import { bindHandlers } from '../../src/documents/registry.js';
import type { DocumentEvent } from '../../src/documents/representation.js';
import { HandlerMissingError, SpecError } from '../../src/errors.js';
import { defaultMetadata } from '../../src/metadata/defaults.js';
import type { OAuthMetadata } from '../../src/metadata/types.js';
import { compiledContract } from '../support/contract.js';
import { writeSpec } from '../support/spec-copy.js';

const ISSUER = 'https://auth.example.com';

/** The project's handlers, over an empty key set and the default metadata. */
function handlers() {
  return registerHandlers({ keys: constantSource({ keys: [] }), metadata: defaultMetadata(ISSUER, []) as OAuthMetadata });
}

describe('registerHandlers', () => {
  it('has one handler per operation of openapi.json, and no other', () => {
    expect(Object.keys(handlers()).sort()).toEqual(Object.keys(operations).sort());
  });

  it('lives in the file the boot refusal names', () => {
    expect(existsSync(join(projectRoot(), HANDLERS_FILE))).toBe(true);
  });
});

describe('bindHandlers', () => {
  it('publishes a validated document per operation', () => {
    const events: DocumentEvent[] = [];
    const documents = bindHandlers(Contract.load(), handlers(), (event) => events.push(event));
    expect(documents.all.map((document) => document.operationId)).toEqual(Object.keys(operations));
    expect(events.filter((event) => event.kind === 'published')).toHaveLength(Object.keys(operations).length);
    documents.close();
  });

  it('refuses operations without a handler, naming each and the file where handlers are registered', async () => {
    const contract = await compiledContract(
      writeSpec((doc) => {
        doc.paths['/.well-known/__no-handler__'] = structuredClone(doc.paths['/.well-known/jwks.json']);
      }),
    );
    let error: unknown;
    try {
      bindHandlers(contract, handlers(), () => undefined);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(HandlerMissingError);
    expect((error as Error).message).toBe(
      'openapi.json defines operations with no handler: getWellKnownNoHandler (GET /.well-known/__no-handler__); ' +
        'register their handlers in src/documents/handlers.ts',
    );
  });

  it('refuses a handler for an operation the loaded contract does not define', () => {
    const extra = { ...handlers(), getWellKnownGone: constantSource({}) };
    expect(() => bindHandlers(Contract.load(), extra, () => undefined)).toThrow(SpecError);
    expect(() => bindHandlers(Contract.load(), extra, () => undefined)).toThrow('getWellKnownGone');
  });
});
