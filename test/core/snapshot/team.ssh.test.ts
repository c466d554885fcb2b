import assert from 'node:assert/strict';
import net from 'node:net';
import { tempDirs } from '../../support/fixtures';
import { cliPath, run, runCli, waitFor } from '../../support/proc';
import { DEFAULT_CONNECT_RETRY, refusedBeforeLogin, retryDelayMs } from '../../../src/core/root/ssh/connectRetry';
import { closedPort, startPrivateSshd, TestSshd } from '../../support/sshd';
import { makeTeam, serverCpuSeconds, snapshotAtOnce, teamProblems } from '../../support/team';

/**
 * Five developers' cron jobs snapshot into one real sshd at the same instant. The server takes at most 2
 * unauthenticated connections (`MaxStartups 2:100:2`; the default 10:30:100 does the same beyond 10), so it turns
 * clients away before login; each must retry with backoff, and every snapshot must end complete and hard-linked.
 * The 50-client run is in scripts/bench-team.mjs.
 */
describe('a team snapshotting into one server at once (real sshd, MaxStartups 2)', function () {
  this.timeout(180_000);
  const tmp = tempDirs();
  let sshd: TestSshd;

  before(async () => {
    sshd = await startPrivateSshd(['MaxStartups 2:100:2', 'LoginGraceTime 60']);
  });
  after(async () => {
    await sshd?.stop();
    await tmp.cleanup();
  });

  /** Two raw connections that never log in: while they are open, the server turns every new one away. */
  async function holdServerBusy(): Promise<net.Socket[]> {
    const sockets = await Promise.all(
      [1, 2].map(
        () =>
          new Promise<net.Socket>((resolve, reject) => {
            const s = net.connect(sshd.port, '127.0.0.1', () => resolve(s));
            s.once('error', reject);
          }),
      ),
    );
    // The server counts them once it has accepted them: wait for its banner on both.
    await Promise.all(sockets.map((s) => new Promise((resolve) => s.once('data', resolve))));
    return sockets;
  }

  it('5 clients at once: all retry the turned-away connection, all snapshots complete and hard-linked, nothing half-made', async () => {
    const team = makeTeam(tmp.make('rs-team'), 5, sshd.host);
    const cpuBefore = serverCpuSeconds(sshd.pid);
    for (let round = 1; round <= 2; round++) {
      const busy = await holdServerBusy();
      const runs = await snapshotAtOnce(team, sshd, cliPath(), round, async (started) => {
        // Deterministic: every client has been turned away at least once before the server frees up.
        await waitFor(() => started.every((s) => /turned the connection away before login/.test(s.stderr())), 60_000, 'every client to be turned away once');
        for (const s of busy) s.destroy();
      });
      for (const [i, r] of runs.entries()) assert.equal(r.code, 0, `client ${i + 1}, round ${round}: ${r.stderr}`);
      for (const r of runs) assert.ok(r.retries >= 1 && r.retries <= 7, `retries are bounded: ${r.retries}`);
      assert.deepEqual(teamProblems(team, round), []);
    }
    assert.match(sshd.log(), /MaxStartups|drop connection/);
    // One connection per client and round (ControlMaster: lock, listing, rsync and finish share it), plus the retried ones never logged in.
    assert.equal((sshd.log().match(/Accepted publickey/g) ?? []).length, 10, sshd.log());
    assert.ok(serverCpuSeconds(sshd.pid) > cpuBefore, 'the server worked (its CPU time, children included, is what the bench reports)');
  });

  it("tells a turned-away connection from real failures by ssh's own words, and the backoff is bounded", async () => {
    const ssh = async (sshCommand: string) => {
      const [program, ...args] = sshCommand.split(' ');
      const r = await run(program, [...args, '-o', 'BatchMode=yes', sshd.host, 'true']);
      assert.equal(r.code, 255, r.stderr);
      return r.stderr;
    };
    const busy = await holdServerBusy();
    try {
      assert.equal(refusedBeforeLogin(await ssh(sshd.sshCommand)), true);
    } finally {
      for (const s of busy) s.destroy();
    }
    assert.equal(refusedBeforeLogin(await ssh(sshd.variant('team-denied', { identityFile: sshd.makeUnauthorizedKey() }))), false, 'login refused');
    assert.equal(refusedBeforeLogin(await ssh(sshd.variant('team-unknown-host', { knownHosts: '' }))), false, 'host key unknown');
    assert.equal(refusedBeforeLogin(await ssh(sshd.variant('team-closed', { port: await closedPort() }))), false, 'nothing listening');

    const policy = DEFAULT_CONNECT_RETRY;
    let total = 0;
    for (let retry = 1; retry <= policy.retries; retry++) {
      const [low, high] = [retryDelayMs(retry, policy, () => 0), retryDelayMs(retry, policy, () => 1)];
      assert.ok(low >= policy.baseDelayMs / 2 && high <= policy.maxDelayMs && low * 2 === high, `retry ${retry}: ${low}..${high}`);
      total += high;
    }
    assert.ok(total <= 40_000, `at most ${total} ms of waiting in all`);
  });

  it('a real failure is never retried: a refused login fails at once', async () => {
    const wrongKey = sshd.variant('team-wrong-key', { identityFile: sshd.makeUnauthorizedKey() });
    const r = await runCli(['list', `${sshd.host}:/nonexistent-team-root`, '--verbose', '--ssh-command', wrongKey]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /permission denied/i);
    assert.doesNotMatch(r.stderr, /retry/);
  });
});
