// Mocha reporter for the core suite: mocha's usual spec output, plus the same JSON summary the
// extension suite writes ({passed, failed, pending, failures}) to $RSYNC_SNAPSHOTS_TEST_RESULTS.
// usage: mocha --reporter scripts/lib/mocha-summary-reporter.mjs
import fs from 'node:fs';
import Mocha from 'mocha';

const { EVENT_TEST_FAIL, EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const failures = [];
    runner.on(EVENT_TEST_FAIL, (test, err) => failures.push({ title: test.fullTitle(), error: err?.message ?? String(err) }));
    runner.once(EVENT_RUN_END, () => {
      const file = process.env.RSYNC_SNAPSHOTS_TEST_RESULTS;
      const { passes, pending } = runner.stats;
      const failed = Math.max(runner.stats.failures, failures.length);
      if (file) fs.writeFileSync(file, JSON.stringify({ passed: passes, failed, pending, failures }, null, 2));
    });
  }
}

export { SummaryReporter as default };
