import type { Feature, Services } from '../services';
import { GitSnapshots } from './gitSnapshots';
import { RootWatcher } from './rootWatcher';
import { BeforeFileOperations } from './safetySnapshots';

/** Automatic history: its schedule, snapshots before deletes and renames and after git operations, the root watcher. */
export function registerAutomatic(s: Services): Feature & { git: GitSnapshots; beforeFileOperations: BeforeFileOperations } {
  // A CLI or cron snapshot into the same root: the views and the status bar read it.
  const watcher = new RootWatcher(() => {
    s.refreshViews();
    s.rootChangedOutside();
  });
  const git = new GitSnapshots(s.runner, s.logger);
  const beforeFileOperations = new BeforeFileOperations(s.runner, s.logger);
  git.start().catch((err) => s.logger.warn(`git snapshots off: ${err.message}`)); // not awaited: the git extension starts on its own time
  if (s.auto.enabled) s.engage();
  return {
    git,
    beforeFileOperations,
    disposables: [
      watcher,
      git,
      beforeFileOperations,
      s.runner.onDidChange(({ result }) => {
        if (result) watcher.rewatch(); // the first snapshot may have created the root
      }),
      s.onSettingsChanged(() => {
        watcher.rewatch();
        s.auto.reschedule();
        if (s.auto.enabled) s.engage();
      }),
    ],
    commands: [],
  };
}
