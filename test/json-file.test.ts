/**
 * Invalid JSON in a file an operator hands the service is one line with its line and column, whatever the Node
 * release words its parser errors like, and never quotes the file.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonSyntaxProblem, readJsonObjectFile } from '../src/json-file.js';
import { TempDirs } from './keys/helpers.js';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

/** What JSON.parse of this Node throws for `text`. */
function parseError(text: string): unknown {
  try {
    JSON.parse(text);
  } catch (error) {
    return error;
  }
  throw new Error(`${text} is valid JSON`);
}

const problemOf = (text: string): string => jsonSyntaxProblem(parseError(text), text);

describe('jsonSyntaxProblem', () => {
  it.each([
    ['LF', '{\n  "a": 1\n  "b": 2\n}', 'line 3, column 3'],
    ['CRLF', '{\r\n  "a": 1\r\n  "b": 2\r\n}', 'line 3, column 3'],
    ['CR alone', '{\r  "a": 1\r  "b": 2\r}', 'line 3, column 3'],
    ['characters outside the BMP, one column each', '{"k": "😀😀" "x": 1}', 'line 1, column 12'],
  ])('counts lines and columns from 1 with %s line ends', (_kind, text, where) => {
    expect(problemOf(text)).toBe(`invalid JSON at ${where}: expected ',' or '}' after property value`);
  });

  it.each([
    ['a trailing comma', '{\n  "a": 1,\n}', 'invalid JSON at line 3, column 1: expected double-quoted property name'],
    ['a comment', '{\n  // note\n  "a": 1\n}', "invalid JSON at line 2, column 3: expected property name or '}'"],
    ['text after the document', '{"a": 1}\n{"b": 2}', 'invalid JSON at line 2, column 1: unexpected non-whitespace character after JSON'],
    ['an unterminated string', '{"a": "secret', 'invalid JSON at line 1, column 14: unterminated string'],
  ])('locates %s', (_kind, text, problem) => {
    expect(problemOf(text)).toBe(problem);
  });

  it.each([
    ['an unexpected token', '{"password": "hunter2", "a": hunter2}', 'unexpected token'],
    ['an unexpected token in a long text', `{"password": "hunter2",${' '.repeat(100)}\n"a": hunter2}`, 'unexpected token'],
    ['the end of the input', '{"password": "hunter2",\n "a":', 'unexpected end of JSON input'],
  ])('says that the parser gave no position for %s, and quotes nothing', (_kind, text, reason) => {
    expect(problemOf(text)).toBe(`invalid JSON (the parser reported no position): ${reason}`);
  });

  // The two shapes of V8's positioned messages: Node 20's, and Node 22+'s with its own line and column after it.
  it.each([
    ["Expected ',' or '}' after property value in JSON at position 11"],
    ["Expected ',' or '}' after property value in JSON at position 11 (line 3 column 2)"],
  ])('takes only the position from %j and counts lines and columns itself', (message) => {
    expect(jsonSyntaxProblem(new SyntaxError(message), '{\n "a": 1\n "b": 2}')).toBe(
      "invalid JSON at line 3, column 2: expected ',' or '}' after property value",
    );
  });

  it('takes no position from the quoted text of a message, however it ends', () => {
    const text = '{"a": x at position 3\n}';
    const message = `Unexpected token 'x', "${text}" is not valid JSON`;
    expect(jsonSyntaxProblem(new SyntaxError(message), text)).toBe('invalid JSON (the parser reported no position): unexpected token');
  });

  it('counts from the start of the whole text when the JSON starts at an offset in it', () => {
    const text = 'Some prose.\n\n```json\n{\n  "a": 1\n  "b": 2\n}\n```\n';
    const start = text.indexOf('{');
    const block = text.slice(start, text.indexOf('\n```', start));
    expect(jsonSyntaxProblem(parseError(block), text, start)).toBe(
      "invalid JSON at line 6, column 3: expected ',' or '}' after property value",
    );
  });
});

describe('readJsonObjectFile', () => {
  it('refuses invalid JSON in one line naming the file, the line and the column (a byte order mark is no column)', () => {
    const file = `${temp.make()}/bad.json`;
    writeFileSync(file, '\uFEFF{\n  "openapi": "3.1.0",\n  "info": {,}\n}\n');
    expect(readJsonObjectFile(file, 'holding an OpenAPI document')).toEqual({
      ok: false,
      problem: `${file}: invalid JSON at line 3, column 12: expected property name or '}'`,
    });
  });
});
