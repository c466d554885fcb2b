import assert from 'node:assert/strict';
import { selection } from '../../../src/core/restore/select';
import type { RestoreItem, RestoreItemKind } from '../../../src/core/restore/types';

const item = (path: string, kind: RestoreItemKind, isDir = false): RestoreItem => ({ path, kind, isDir, changes: {}, code: '' });

describe('restore selection: what leaving items out implies (the page and the apply share it)', () => {
  const items = [item('lib', 'delete', true), item('lib/helper.js', 'delete'), item('lib/x.js', 'delete'), item('new', 'mkdir', true), item('new/a.txt', 'create'), item('app.js', 'overwrite')];

  it('keeping a file inside a folder to delete keeps the folder, and says why', () => {
    const s = selection(items, ['lib/helper.js']);
    assert.deepEqual(s.skipped, ['lib', 'lib/helper.js']);
    assert.deepEqual(
      s.kept.map((i) => i.path),
      ['lib/x.js', 'new', 'new/a.txt', 'app.js'],
    );
    assert.equal(s.why.get('lib'), 'kept: it still holds lib/helper.js, which you keep');
    assert.equal(s.why.has('lib/helper.js'), false, 'the user unchecked it themselves');
  });

  it('a folder left out that would be created or deleted takes what is below it along', () => {
    const s = selection(items, ['new', 'lib']);
    assert.deepEqual(s.skipped, ['lib', 'lib/helper.js', 'lib/x.js', 'new', 'new/a.txt']);
    assert.equal(s.why.get('new/a.txt'), 'left out: new/ is not created');
    assert.equal(s.why.get('lib/x.js'), 'kept: lib/ is not deleted');
  });

  it('paths that are not in the plan are ignored here (applyRestore refuses them)', () => {
    assert.deepEqual(selection(items, ['nope']).skipped, []);
  });
});
