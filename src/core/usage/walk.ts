import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { SnapshotError } from '../util/errors';

/**
 * What one walk of one snapshot directory found. Sizes are allocated bytes (st_blocks × 512), as `du` counts them.
 * Directories are never hard-linked, so they are summed into `dirBytes`; every other inode is listed once in
 * `multi` — even one with a single link today, because the next snapshot may link to it (so a cached walk
 * must know its inode number).
 */
export interface SnapshotScan {
  /** Entries walked, the snapshot directory included. */
  entries: number;
  /** Bytes of the directories. */
  dirBytes: number;
  /** Flat records of MULTI_STRIDE numbers per non-directory entry: dev, ino, bytes, 1, st_nlink at scan time (an inode linked twice inside the snapshot appears twice; the caller merges). */
  multi: Float64Array;
  /** Paths that could not be read (permission denied, vanished), relative to the snapshot. */
  errors: string[];
}

export const MULTI_STRIDE = 5;

/**
 * Walk code run in worker threads: synchronous readdir + lstat in a tight loop is about twice as fast as the
 * promise API per entry, and a few workers walk several snapshots at once (du walks one tree at a time).
 * Kept as plain JavaScript source so it runs the same from any bundle (extension, CLI, tests).
 */
const WORKER_SOURCE = String.raw`
const fs = require('node:fs');
const { parentPort } = require('node:worker_threads');
function scan(top) {
  let entries = 0, dirBytes = 0, count = 0;
  const errors = [];
  let multi = new Float64Array(64 * 5); // small, doubled as needed: thousands of tiny snapshots must stay cheap
  const visit = (st) => {
    entries++;
    if (st.isDirectory()) { dirBytes += st.blocks * 512; return; }
    if ((count + 1) * 5 > multi.length) { const bigger = new Float64Array(multi.length * 2); bigger.set(multi); multi = bigger; }
    const o = count++ * 5;
    multi[o] = st.dev; multi[o + 1] = st.ino; multi[o + 2] = st.blocks * 512; multi[o + 3] = 1; multi[o + 4] = st.nlink;
  };
  visit(fs.lstatSync(top));
  const stack = [top];
  while (stack.length) {
    const dir = stack.pop();
    let names;
    try { names = fs.readdirSync(dir); } catch (e) { errors.push(dir.slice(top.length + 1) + ': ' + (e.code || e.message)); continue; }
    for (const name of names) {
      const p = dir + '/' + name;
      let st;
      try { st = fs.lstatSync(p); } catch (e) { errors.push(p.slice(top.length + 1) + ': ' + (e.code || e.message)); continue; }
      visit(st);
      if (st.isDirectory()) stack.push(p);
    }
  }
  return { entries, dirBytes, multi: multi.slice(0, count * 5), errors: errors.slice(0, 100) };
}
parentPort.on('message', (job) => {
  try {
    const r = scan(job.dir);
    parentPort.postMessage({ id: job.id, ok: true, result: r }, [r.multi.buffer]);
  } catch (e) {
    parentPort.postMessage({ id: job.id, ok: false, code: e.code, message: e.message });
  }
});
`;

export interface ScanJob {
  key: string;
  dir: string;
  /** The directory's identity when known (lstat before the walk): a find walk checks it saw this very folder. */
  dev?: number;
  ino?: number;
}

/**
 * Scans directories with a bounded pool of worker threads (at most `concurrency`, default the CPU count capped at 4).
 * Calls `onDone` as each finishes; an abort terminates the workers and rejects with CANCELLED.
 */
export async function scanDirectories(
  jobs: ScanJob[],
  options: { signal?: AbortSignal; concurrency?: number; onDone?: (key: string, scan: SnapshotScan) => void } = {},
): Promise<Map<string, SnapshotScan>> {
  const results = new Map<string, SnapshotScan>();
  if (!jobs.length) return results;
  const size = Math.max(1, Math.min(options.concurrency ?? Math.min(os.availableParallelism(), 4), jobs.length));
  const workers: Worker[] = [];
  const queue = jobs.map((job, id) => ({ ...job, id }));
  try {
    await new Promise<void>((resolve, reject) => {
      let running = 0;
      let failed = false;
      const fail = (err: Error) => {
        if (failed) return;
        failed = true;
        reject(err);
      };
      const onAbort = () => fail(new SnapshotError('CANCELLED', 'Space report cancelled.'));
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const next = (worker: Worker) => {
        if (failed) return;
        const job = queue.shift();
        if (!job) {
          if (running === 0) {
            options.signal?.removeEventListener('abort', onAbort);
            resolve();
          }
          return;
        }
        running++;
        worker.postMessage({ id: job.id, dir: job.dir });
      };
      for (let i = 0; i < size; i++) {
        const worker = new Worker(WORKER_SOURCE, { eval: true });
        workers.push(worker);
        worker.on('error', (err) => fail(err));
        worker.on('message', (msg: { id: number; ok: boolean; result?: SnapshotScan; code?: string; message?: string }) => {
          running--;
          const job = jobs[msg.id];
          if (!msg.ok) {
            return fail(new SnapshotError('ROOT_INVALID', `Could not measure ${job.dir}: ${msg.message ?? msg.code}. Check that the folder exists and is readable.`));
          }
          const scan = msg.result!;
          results.set(job.key, scan);
          options.onDone?.(job.key, scan);
          next(worker);
        });
        next(worker);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
