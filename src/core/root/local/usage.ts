import fs from 'node:fs/promises';
import path from 'node:path';
import { gnuFindAvailable, scanWithFind } from '../../usage/findScan';
import { CacheFile, UsageModel, UsageOptions, UsageResult } from '../../usage/model';
import { scanDirectories } from '../../usage/walk';
import { SnapshotError } from '../../util/errors';
import { isDeletingName, META_DIR, USAGE_CACHE_FILE } from '../format';
import { listLocal } from './list';

const models = new Map<string, UsageModel>();

/** Forgets the in-memory cache (tests; or after the root was changed behind our back). The file cache stays. */
export function clearUsageMemoryCache(root?: string): void {
  if (root) models.delete(path.resolve(root));
  else models.clear();
}

export function usageCachePath(root: string): string {
  return path.join(path.resolve(root), META_DIR, USAGE_CACHE_FILE);
}

async function loadModel(root: string): Promise<UsageModel> {
  const inMemory = models.get(root);
  if (inMemory) return inMemory;
  let model = new UsageModel();
  try {
    model = UsageModel.fromFile(JSON.parse(await fs.readFile(usageCachePath(root), 'utf8')) as CacheFile);
  } catch {
    // no cache yet, or unreadable: walk everything
  }
  models.set(root, model);
  return model;
}

async function saveModel(root: string, data: CacheFile): Promise<void> {
  const file = usageCachePath(root);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(temp, JSON.stringify(data));
  await fs.rename(temp, file);
}

/** The space report, with a way to ask what deleting a set of snapshots would free (used by prune). */
export async function measureLocalUsage(root: string, options: UsageOptions = {}): Promise<UsageResult> {
  const started = Date.now();
  const listing = await listLocal(root);
  const absRoot = listing.root;
  const useCache = options.cache !== false;
  // An interrupted prune's .deleting-* folders still take space: measured with the snapshots, reported apart.
  const deleting = (await fs.readdir(absRoot, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && isDeletingName(e.name))
    .map((e) => e.name)
    .sort();
  const deletingStats = await Promise.all(deleting.map((n) => fs.lstat(path.join(absRoot, n)).catch(() => undefined)));
  const entries = [...listing.snapshots.map((s) => ({ name: s.name, path: s.path })), ...deleting.flatMap((n, i) => (deletingStats[i] ? [{ name: n, path: path.join(absRoot, n) }] : []))];
  const names = entries.map((s) => s.name);
  const stats = [...(await Promise.all(listing.snapshots.map((s) => fs.lstat(s.path)))), ...deletingStats.filter((st) => st !== undefined)];
  const stamps = stats.map((st) => `${st.dev}:${st.ino}:${st.ctimeMs}`);
  const key = JSON.stringify([names, stamps]);
  const model = useCache ? await loadModel(absRoot) : new UsageModel();
  const freedBy = (deleted: string[]) => model.freedBy(names, deleted);

  if (useCache && model.lastKey === key && model.lastReport) {
    options.onProgress?.({ done: names.length, total: names.length });
    const report = {
      ...model.lastReport,
      snapshots: model.lastReport.snapshots.map((s) => ({ ...s })),
      deleting: model.lastReport.deleting.map((s) => ({ ...s })),
      warnings: [...model.lastReport.warnings],
      scanned: 0,
      fromCache: names.length,
      durationMs: Date.now() - started,
    };
    return { report, freedBy };
  }

  const jobs = entries.flatMap((s, i) => (model.records.get(s.name)?.stamp === stamps[i] ? [] : [{ key: s.name, dir: s.path, dev: stats[i].dev, ino: stats[i].ino }]));
  const stampOf = new Map(names.map((n, i) => [n, stamps[i]]));
  let done = names.length - jobs.length;
  options.onProgress?.({ done, total: names.length });
  model.freshNlink = [];
  const walker = options.walker ?? 'auto';
  const useFind = walker === 'find' || (walker === 'auto' && jobs.length > 0 && (await gnuFindAvailable()));
  await (useFind ? scanWithFind : scanDirectories)(jobs, {
    signal: options.signal,
    concurrency: options.concurrency,
    onDone: (name, scan) => {
      model.addScan(name, stampOf.get(name)!, scan);
      options.onProgress?.({ done: ++done, total: names.length, name });
    },
  });
  if (options.signal?.aborted) throw new SnapshotError('CANCELLED', 'Space report cancelled.');

  // Links outside the finished snapshots, for every inode seen in this walk: st_nlink − links found in the root.
  if (jobs.length) {
    const { links } = model.tally(names);
    model.freshNlink.forEach((nlink, at) => (model.outside[at] = Math.max(0, nlink - links[at])));
    model.freshNlink = [];
  }

  const warnings: string[] = [];
  if (useCache && jobs.length) {
    const data = model.compact(names);
    await saveModel(absRoot, data).catch((err) => warnings.push(`Could not save the usage cache in ${usageCachePath(absRoot)}: ${(err as Error).message}`));
  }
  const report = model.report(absRoot, names, jobs.length, started, warnings);
  if (useCache) {
    model.lastKey = key;
    model.lastReport = report;
  }
  return { report: { ...report, snapshots: report.snapshots.map((s) => ({ ...s })), deleting: report.deleting.map((s) => ({ ...s })), warnings: [...report.warnings] }, freedBy };
}
