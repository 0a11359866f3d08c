import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readReviewedList } from '../../../scripts/spec/reviewed-list.js';
import { tempDir } from '../../support/keys.js';

const FIELDS = ['rule', 'reason'] as const;

function listIn(text: string): string {
  const file = join(tempDir('wk-reviewed-'), 'list.yaml');
  writeFileSync(file, text);
  return file;
}

describe('readReviewedList', () => {
  it('reads the entries in file order', () => {
    const file = listIn('accepted:\n  - rule: a\n    reason: because\n  - reason: >-\n      folded\n      text\n    rule: b\n');
    expect(readReviewedList(file, 'accepted', FIELDS)).toEqual([
      { rule: 'a', reason: 'because' },
      { rule: 'b', reason: 'folded text' },
    ]);
  });

  it('reads a missing file, or an empty list, as no entries', () => {
    expect(readReviewedList(join(tempDir('wk-reviewed-'), 'absent.yaml'), 'accepted', FIELDS)).toEqual([]);
    expect(readReviewedList(listIn('accepted: []\n'), 'accepted', FIELDS)).toEqual([]);
  });

  it.each([
    ['invalid YAML', 'accepted: [\n', /^list\.yaml: invalid YAML: /],
    ['another top-level key', 'acepted: []\n', 'list.yaml: unknown key "acepted"; the only key is "accepted"'],
    ['a list that is not one', 'accepted: yes\n', 'list.yaml: accepted: must be a list'],
    ['an entry that is not a mapping', 'accepted:\n  - a\n', 'list.yaml: accepted[0]: must be a mapping of rule, reason'],
    [
      'an unknown field',
      'accepted:\n  - rule: a\n    reason: b\n    owner: c\n',
      'list.yaml: accepted[0]: unknown field "owner"; the fields are rule, reason',
    ],
    ['a blank reason', 'accepted:\n  - rule: a\n    reason: "  "\n', 'list.yaml: accepted[0].reason: is required, a non-empty string'],
    ['a missing field', 'accepted:\n  - rule: a\n  - reason: b\n', 'list.yaml: accepted[0].reason: is required, a non-empty string'],
  ])('refuses %s, naming the file, the entry and the field', (_name, text, message) => {
    expect(() => readReviewedList(listIn(text), 'accepted', FIELDS)).toThrow(message);
  });
});
