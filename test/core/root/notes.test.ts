import { notesSuite } from './notesSuite';

describe('snapshot notes: hostile or damaged (local root)', () => {
  notesSuite({ reach: () => ({}), specOf: (root) => root, where: (file) => file });
});
