import assert from 'node:assert';
import { plural } from '../../../src/core/util/format';

describe('plural', () => {
  it('says "1 file" and "0 files", "2 files", with irregular plurals when given', () => {
    assert.deepStrictEqual(
      [0, 1, 2].map((n) => plural(n, 'file')),
      ['0 files', '1 file', '2 files'],
    );
    assert.deepStrictEqual(
      [1, 3].map((n) => plural(n, 'entry', 'entries')),
      ['1 entry', '3 entries'],
    );
  });
});
