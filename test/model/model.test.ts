import assert from 'node:assert/strict';
import { generate } from './harness';
import { diffTrees, Entry, keyOf, modelChanges, prng, quickCheckBlind, Tree } from './model';

const file = (text: string, mtimeNs = 1_700_000_000_123_456_000n, mode = 0o644): Entry => ({ t: 'f', mode, data: Buffer.from(text), mtimeNs });

describe('model test: the model itself', () => {
  it('a seed names one history: same steps every time, and with or without a tmpfs', () => {
    assert.deepEqual(
      generate(42, 30, true).steps.map((s) => s.index),
      generate(42, 30, false).steps.map((s) => s.index),
    );
    assert.deepEqual(generate(42, 30, false), generate(42, 30, false));
    assert.notDeepEqual(generate(42, 30, false).steps, generate(43, 30, false).steps);
    const rand = prng(7);
    const again = prng(7);
    for (let i = 0; i < 5; i++) assert.equal(rand(), again());
  });

  it('faults take the place of steps of their kind only: a hostile lock file a snapshot or prune, a workspace link a restore or undo', () => {
    const seen = { lockFault: 0, wsLink: 0 };
    for (let seed = 1; seed <= 200; seed++) {
      for (const step of generate(seed, 25, false).steps) {
        if (step.op === 'lockFault') assert.ok(step.of === 'snapshot' || step.of === 'prune', `${seed}/${step.index}: ${step.of}`);
        else if (step.op === 'wsLink') assert.ok(['restoreWhole', 'restoreFolder', 'restoreFile', 'undo'].includes(step.of!), `${seed}/${step.index}: ${step.of}`);
        else assert.equal(step.of, undefined);
        if (step.op === 'lockFault' || step.op === 'wsLink') seen[step.op]++;
      }
    }
    assert.ok(seen.lockFault > 0 && seen.wsLink > 0, JSON.stringify(seen));
  });

  it('tree differences are byte-true: one flipped byte, a mode, a link target, a kind; mtimes alone are no difference', () => {
    const a: Tree = new Map<string, Entry>([
      ['f', file('hello')],
      ['d', { t: 'd', mode: 0o755 }],
      ['l', { t: 'l', target: 'f' }],
    ]);
    assert.deepEqual(diffTrees(a, new Map(a)), []);
    assert.deepEqual(diffTrees(a, new Map([...a, ['f', file('hello', 1n)]])), []);
    for (const changed of [file('hellp'), file('hello', undefined, 0o600), { t: 'l', target: 'g' } as Entry, { t: 'd', mode: 0o755 } as Entry]) {
      const key = changed.t === 'l' ? 'l' : 'f';
      assert.deepEqual(
        diffTrees(a, new Map([...a, [key, changed]])).map((d) => d.key),
        [key],
      );
    }
    assert.deepEqual(
      diffTrees(a, new Map([...a, ['extra', file('')]])).map((d) => d.key),
      ['extra'],
    );
  });

  it('a difference rsync cannot see is one of same size and mtime (to the second, or to the nanosecond)', () => {
    const base = file('abc', 1_700_000_000_500_000_000n);
    assert.equal(quickCheckBlind({ key: 'f', expected: base, actual: file('abd', 1_700_000_000_500_000_000n) }, false), true);
    assert.equal(quickCheckBlind({ key: 'f', expected: base, actual: file('abd', 1_700_000_000_900_000_000n) }, false), false);
    assert.equal(quickCheckBlind({ key: 'f', expected: base, actual: file('abd', 1_700_000_000_900_000_000n) }, true), true);
    assert.equal(quickCheckBlind({ key: 'f', expected: base, actual: file('abcd', 1_700_000_000_500_000_000n) }, true), false);
    assert.equal(quickCheckBlind({ key: 'f', expected: base, actual: base }, true), false);
  });

  it('changes by the model: content, target or kind count; modes, mtimes and folders do not', () => {
    const from: Tree = new Map<string, Entry>([
      ['same', file('x')],
      ['touched', file('x', 1n)],
      ['chmod', file('x')],
      ['edited', file('x')],
      ['gone', file('x')],
      ['kind', file('x')],
      ['dir', { t: 'd', mode: 0o755 }],
    ]);
    const to: Tree = new Map<string, Entry>([
      ['same', file('x')],
      ['touched', file('x', 2n)],
      ['chmod', file('x', undefined, 0o600)],
      ['edited', file('y')],
      ['kind', { t: 'l', target: 'x' }],
      ['dir', { t: 'd', mode: 0o700 }],
      [keyOf('new ü'), file('')],
    ]);
    assert.deepEqual(modelChanges(from, to), { added: [keyOf('new ü')], modified: ['edited', 'kind'], deleted: ['gone'] });
  });
});
