import { pinSuite } from './pinSuite';

describe('pin (local root)', () => {
  pinSuite({ reach: () => ({}), specOf: (root) => root });
});
