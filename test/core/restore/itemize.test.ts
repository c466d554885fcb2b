import assert from 'node:assert/strict';
import { decodeRsyncName, parseItemizeLine, parseItemizeOutput } from '../../../src/core/restore/itemize';
import { isSnapshotError } from '../../../src/core/util/errors';

// Captured from rsync 3.5.0: LC_ALL=C rsync -a --dry-run --itemize-changes --out-format='%i %n' --delete -- s/ t/
// (names: "nl\nname", "back\#123slash", "-dash", "é" in NFD, "tab\tx", "a -> b", a symlink to /etc, a new folder).
const CAPTURED = [
  '*deleting   extradir/o',
  '*deleting   extradir/',
  '*deleting   extra',
  '>f+++++++++ -dash',
  '>f+++++++++ a -> b',
  '>f+++++++++ back\\#134#123slash',
  '>f.s....... changed.txt',
  'cL+++++++++ etclink',
  '>f+++++++++ e\\#314\\#201',
  '>f+++++++++ new.txt',
  '>f+++++++++ nl\\#012name',
  '.f...p..... same',
  '>f+++++++++ tab\tx',
  'cd+++++++++ newdir/',
  '>f+++++++++ newdir/f',
  '',
].join('\n');

describe('itemizeParser', () => {
  it('parses captured rsync output into exact names, types and changes', () => {
    const { items, messages } = parseItemizeOutput(CAPTURED);
    assert.deepEqual(messages, []);
    assert.deepEqual(
      items.map((i) => [i.name, i.deleting ? 'del' : i.type, i.isNew]),
      [
        ['extradir/o', 'del', false],
        ['extradir', 'del', false],
        ['extra', 'del', false],
        ['-dash', 'file', true],
        ['a -> b', 'file', true],
        ['back\\#123slash', 'file', true],
        ['changed.txt', 'file', false],
        ['etclink', 'symlink', true],
        ['e\u0301', 'file', true],
        ['new.txt', 'file', true],
        ['nl\nname', 'file', true],
        ['same', 'file', false],
        ['tab\tx', 'file', true],
        ['newdir', 'dir', true],
        ['newdir/f', 'file', true],
      ],
    );
    assert.notEqual(items[8].name, '\u00e9', 'NFD name must stay NFD');
    assert.deepEqual(items[6].changes, { size: true });
    assert.deepEqual(items[11].changes, { perms: true });
    assert.deepEqual(items[3].changes, {});
  });

  it('decodes every \\#ooo escape and nothing else', () => {
    assert.equal(decodeRsyncName('a\\#012b'), 'a\nb');
    assert.equal(decodeRsyncName('cr\\#015'), 'cr\r');
    assert.equal(decodeRsyncName('\\#134#134'), '\\#134'); // a literal "\#134" in a name
    assert.equal(decodeRsyncName('back\\slash'), 'back\\slash'); // lone backslash is not escaped by rsync
    assert.equal(decodeRsyncName('\\#12x'), '\\#12x'); // not three octal digits: literal
    assert.equal(decodeRsyncName('\\#342\\#202\\#254'), '€');
    assert.equal(decodeRsyncName('raw €'), 'raw €'); // tolerated if rsync ran in a UTF-8 locale
  });

  it('refuses names that are not valid UTF-8', () => {
    assert.throws(
      () => decodeRsyncName('bad\\#377'),
      (e) => isSnapshotError(e, 'BAD_INPUT'),
    );
  });

  it('a name that looks like an itemize line stays a name', () => {
    const item = parseItemizeLine('>f+++++++++ >f+++++++++ x\\#012*deleting   y');
    assert.equal(item?.name, '>f+++++++++ x\n*deleting   y');
  });

  it('reads times, owner, group, symlink target changes and the root', () => {
    assert.deepEqual(parseItemizeLine('>f..tpog... x')?.changes, { time: true, perms: true, owner: true, group: true });
    assert.deepEqual(parseItemizeLine('cLc........ l')?.changes, { checksum: true });
    const root = parseItemizeLine('.d..t...... ./');
    assert.equal(root?.name, '.');
    assert.equal(root?.type, 'dir');
  });

  it('keeps non-item lines as messages', () => {
    const { items, messages } = parseItemizeOutput('created directory t2\ncannot delete non-empty directory: w\\#012x\n>f+++++++++ f\n');
    assert.deepEqual(messages, ['created directory t2', 'cannot delete non-empty directory: w\nx']);
    assert.equal(items.length, 1);
  });
});
