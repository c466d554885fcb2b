import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { META_DIR } from '../../../src/core/root/format';
import { sshNotes } from '../../../src/core/root/ssh/notes';
import type { Ssh } from '../../../src/core/root/ssh/ssh';
import type { Logger } from '../../../src/core/util/logger';
import { tempDirs } from '../../support/fixtures';
import { run } from '../../support/proc';

/**
 * The remote notes script, run by sh on this machine (what ssh would run on the host): listing with notes reads every
 * notes file in two processes, not two per file, gives what the per-file way gives, and falls back to it when a notes
 * file changed while read. (The real-sshd suite, notes.ssh.test.ts, runs the hostile cases through ssh.)
 */
describe('remote notes: all of them in one call, cheap on the host', () => {
  const tmp = tempDirs();
  after(() => tmp.cleanup());

  async function hostileRoot(): Promise<string> {
    const root = path.join(tmp.make('rs-remote-notes'), 'root');
    const names = Array.from({ length: 9 }, (_, i) => `2026-01-0${i + 1}T00-00-00`);
    for (const name of names) fs.mkdirSync(path.join(root, name), { recursive: true });
    fs.symlinkSync(names[8], path.join(root, 'latest'));
    const notes = path.join(root, META_DIR);
    fs.mkdirSync(notes);
    const of = (i: number) => path.join(notes, `${names[i]}.json`);
    fs.writeFileSync(of(0), '{"label":"a\0b","pinned":true}'); // a NUL byte: dropped, as tr -d does
    fs.symlinkSync('/etc/hostname', of(1));
    assert.equal((await run('mkfifo', [of(2)])).code, 0);
    fs.writeFileSync(of(3), '');
    fs.truncateSync(of(3), 2 * 1024 * 1024);
    fs.mkdirSync(of(4));
    fs.writeFileSync(of(5), '');
    fs.writeFileSync(of(6), JSON.stringify({ pinned: 'x', label: 'typed wrong' }));
    fs.writeFileSync(of(7), JSON.stringify({ trigger: 'git', label: 'after commit 1a2b3c4' }));
    fs.writeFileSync(path.join(notes, '2026-99-zz.json'), '{}'); // not a snapshot name
    return root;
  }

  /** readAll through a transport that runs the script with sh; `tamper` may change the first answer. */
  async function readAll(root: string, tamper?: (stdout: Buffer) => Buffer) {
    const calls: string[][] = [];
    const warnings: string[] = [];
    const logger: Logger = { info() {}, debug() {}, error() {}, warn: (m) => warnings.push(m) };
    const transport = {
      async execScript(script: string, args: string[]) {
        calls.push(args);
        const stdout = execFileSync('sh', ['-c', script, 'sh', ...args]);
        return { exitCode: 0, stdout: calls.length === 1 && tamper ? tamper(stdout) : stdout, stderr: '' };
      },
    };
    const ssh = { location: { kind: 'remote', host: 'h', path: root, spec: `h:${root}` }, transport, logger } as unknown as Ssh;
    const { notes, listing } = await sshNotes(ssh).readAll();
    return { notes: [...notes].sort(), warnings: warnings.sort(), snapshots: listing.snapshots.length, calls: calls.map((a) => a[2] ?? '') };
  }

  /** The per-file way (the script's `each`), as the reference. */
  async function perFile(root: string) {
    const r = await readAll(root, (stdout) => Buffer.concat([stdout.subarray(0, 'rsync-snapshots-notes\0'.length), Buffer.from('/stats\0x\0/cat\0/cat\0')]));
    assert.deepEqual(r.calls, ['', 'each']);
    return r;
  }

  it('hostile notes (NUL bytes, a symlink, a FIFO, too big, a folder, empty, wrong types): the same notes and warnings as per file, in one call', async () => {
    const root = await hostileRoot();
    const fast = await readAll(root);
    assert.deepEqual(fast.calls, [''], 'one call');
    const reference = await perFile(root);
    assert.deepEqual(fast.notes, reference.notes);
    assert.deepEqual(fast.warnings, reference.warnings);
    assert.equal(fast.snapshots, 9);
    assert.deepEqual(
      fast.notes.map(([name]) => name),
      ['2026-01-01T00-00-00', '2026-01-07T00-00-00', '2026-01-08T00-00-00'],
    );
    assert.equal(fast.warnings.length, 5, fast.warnings.join('\n')); // link, FIFO, big, folder, "pinned" typed wrong
  });

  it('a notes file that changed while read (the contents do not split by the sizes): read again the per-file way', async () => {
    const root = await hostileRoot();
    const reference = await perFile(root);
    // One byte fewer in the contents, as when a file shrank between find's lstat and cat.
    const shortened = await readAll(root, (stdout) => {
      const at = stdout.indexOf('after commit');
      return Buffer.concat([stdout.subarray(0, at), stdout.subarray(at + 1)]);
    });
    assert.deepEqual(shortened.calls, ['', 'each']);
    assert.deepEqual(shortened.notes, reference.notes);
    // The lstats after the contents differ from those before (a ctime changed).
    const restamped = await readAll(root, (stdout) => {
      const text = stdout.toString('latin1');
      const last = text.lastIndexOf('2026-01-08T00-00-00.json\0f\0');
      const ctimeAt = text.indexOf('\0', text.indexOf('\0', last + '2026-01-08T00-00-00.json\0f\0'.length) + 1) - 1;
      return Buffer.from(text.slice(0, ctimeAt) + (text[ctimeAt] === '1' ? '2' : '1') + text.slice(ctimeAt + 1), 'latin1');
    });
    assert.deepEqual(restamped.calls, ['', 'each']);
    assert.deepEqual(restamped.notes, reference.notes);
  });
});
