import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs } from '../../support/fixtures';
import { listSnapshots, takeSnapshot } from '../../support/core';

const b = (s: string) => Buffer.from(s, 'utf8');
const join = (dir: Buffer, name: Buffer) => Buffer.concat([dir, b('/'), name]);

/** Every entry under dir, compared as raw bytes: relative path (hex), type, and content hash or link target. */
function describeTree(dir: Buffer, rel: Buffer = Buffer.alloc(0)): string[] {
  const out: string[] = [];
  const names = (fs.readdirSync(dir, { encoding: 'buffer' }) as Buffer[]).sort(Buffer.compare);
  for (const name of names) {
    const full = join(dir, name);
    const relName = rel.length ? join(rel, name) : name;
    const st = fs.lstatSync(full);
    if (st.isSymbolicLink()) out.push(`${relName.toString('hex')} link ${(fs.readlinkSync(full, { encoding: 'buffer' }) as Buffer).toString('hex')}`);
    else if (st.isDirectory()) {
      out.push(`${relName.toString('hex')} dir`);
      out.push(...describeTree(full, relName));
    } else out.push(`${relName.toString('hex')} file ${crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex')}`);
  }
  return out;
}

describe('hostile file names survive a snapshot byte-for-byte', () => {
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  const nfc = 'caf\u00e9.txt';
  const nfd = 'cafe\u0301.txt';
  const names: Buffer[] = [
    b('with space.txt'),
    b('  leading and trailing  '),
    b('new\nline.txt'),
    b('-rf'),
    b('--exclude=*'),
    b('-'),
    b('a:b.txt'),
    b('host:path'),
    b('star*.txt'),
    b('question?.txt'),
    b('[bracket].txt'),
    b('back\\slash'),
    b('quote\'"s'),
    b('$HOME and `cmd`'),
    b(nfc),
    b(nfd),
    b('x'.repeat(255)),
    Buffer.from([0x6e, 0x6f, 0x6e, 0x2d, 0xff, 0xfe, 0x80, 0x2e, 0x62, 0x69, 0x6e]), // "non-" + invalid UTF-8 + ".bin"
    b('\u65e5\u672c\u8a9e \ud83d\ude00'),
    b('.hidden'),
  ];

  it('all names, an empty dir and an outside symlink are copied exactly, and linked on the next run', async function () {
    this.timeout(30000);
    assert.equal(b('x'.repeat(255)).length, 255);
    assert.notDeepEqual(b(nfc), b(nfd), 'the two unicode forms are different byte sequences');
    const base = tmp.make('rs-hostile');
    // The source folder's own path is hostile too (space, leading dash, colon).
    const source = b(path.join(base, '-src dir:1'));
    const root = path.join(base, 'root');
    const outside = path.join(base, 'outside.txt');
    fs.mkdirSync(source);
    fs.mkdirSync(root);
    fs.writeFileSync(outside, 'outside the source');
    for (const [i, name] of names.entries()) fs.writeFileSync(join(source, name), `content ${i}`);
    const nested = join(source, b('dir with -dash: and * ?'));
    fs.mkdirSync(nested);
    for (const name of names) fs.writeFileSync(join(nested, name), name);
    fs.mkdirSync(join(source, b('empty dir')));
    fs.mkdirSync(join(source, Buffer.from([0xc3, 0x28, 0x20, 0x64, 0x69, 0x72]))); // invalid UTF-8 dir name
    fs.symlinkSync(outside, join(source, b('link to outside')));
    fs.symlinkSync('../../etc/passwd', join(source, b('relative escape')));
    fs.symlinkSync(Buffer.concat([b('dangling '), Buffer.from([0xff]), b(' target')]), join(source, b('dangling')));

    const sourceStr = source.toString('utf8');
    assert.equal(Buffer.compare(b(sourceStr), source), 0, 'source path itself is valid UTF-8');
    const first = await takeSnapshot({ source: sourceStr, root });
    const expected = describeTree(source);
    assert.ok(expected.length >= names.length * 2 + 5, `tree has ${expected.length} entries`);
    assert.deepEqual(describeTree(b(first.path)), expected);
    assert.deepEqual(first.warnings, []);
    assert.equal(first.partial, false);

    // Symlinks are kept as links, never followed.
    const link = path.join(first.path, 'link to outside');
    assert.ok(fs.lstatSync(link).isSymbolicLink());
    assert.equal(fs.readlinkSync(link), outside);
    assert.equal(fs.lstatSync(path.join(first.path, 'empty dir')).isDirectory(), true);
    assert.deepEqual(fs.readdirSync(path.join(first.path, 'empty dir')), []);

    // Second run: every hostile file is a hard link to the first snapshot's copy.
    const second = await takeSnapshot({ source: sourceStr, root });
    assert.equal(second.linkDest, first.path);
    assert.deepEqual(describeTree(b(second.path)), expected);
    for (const name of names) {
      assert.equal(fs.lstatSync(join(b(second.path), name)).ino, fs.lstatSync(join(b(first.path), name)).ino, name.toString('hex'));
    }
    assert.equal(second.filesTransferred, 0);
    assert.deepEqual(
      (await listSnapshots(root)).snapshots.map((s) => s.name),
      [first.name, second.name],
    );
  });
});
