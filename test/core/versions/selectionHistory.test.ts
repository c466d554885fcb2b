import { selectionHistorySuite } from './selectionHistory.suite';

describe('history of a selection (local root)', () => {
  selectionHistorySuite(async () => ({ spec: (root) => root, reach: {} }));
});
