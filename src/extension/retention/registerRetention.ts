import type { Feature, Services } from '../services';
import { pruneSnapshots } from './pruneCommand';

/** Prune snapshots… (the prune after each snapshot and the thinning of automatic history run in the snapshot runner). */
export function registerRetention(s: Services): Feature {
  return { disposables: [], commands: [{ id: 'rsyncSnapshots.prune', run: () => pruneSnapshots(s.hooks, () => s.refreshViews()) }] };
}
