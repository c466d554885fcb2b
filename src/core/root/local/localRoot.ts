import path from 'node:path';
import type { Logger } from '../../util/logger';
import type { BackupRoot } from '../backupRoot';
import { localChanges } from './changes';
import { defaultCacheDir, localChangeSets } from './changeSets';
import { localDoctor } from './doctor';
import { localFiles } from './files';
import { listLocal } from './list';
import { acquireLock } from './lock';
import { localNotes } from './notes';
import { localPrune } from './prune';
import { localRestore } from './restore';
import { localRsync } from './rsync';
import { localSnapshots } from './snapshot';
import { measureLocalUsage } from './usage';
import { localVersions } from './versions';
import { localSearch } from './search';

/** A backup root that is a folder of this machine (an absolute, resolved path): fs calls, local rsync and flock. */
/** `cacheDir`: where change sets of roots we may not write are cached (default: defaultCacheDir()). */
export function openLocalRoot(root: string, options: { rsyncPath?: string; logger: Logger; cacheDir?: string }): BackupRoot {
  const list = () => listLocal(root);
  return {
    kind: 'local',
    spec: root,
    location: { kind: 'local', path: root },
    logger: options.logger,
    localPath: root,
    cliArgs: [],
    pathOf: (...names) => path.join(root, ...names),
    hostPath: (...names) => path.join(root, ...names),
    list,
    // A missing root is created by snapshots.prepare() before the lock is taken.
    lock: (o) => acquireLock(root, process.env, o?.operation),
    files: localFiles(root),
    notes: localNotes(root, list, options.logger),
    rsync: localRsync(options.rsyncPath, options.logger),
    snapshots: localSnapshots(root, options.logger),
    prune: localPrune(root),
    versions: localVersions(root),
    changes: localChanges(root),
    restore: localRestore(root),
    usage: { measure: (o) => measureLocalUsage(root, o) },
    doctor: localDoctor(root),
    search: localSearch(root),
    changeSets: localChangeSets(root, root, options.cacheDir ?? defaultCacheDir()),
    close: async () => {},
  };
}
