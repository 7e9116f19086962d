import { describe, expect, it } from 'vitest';
import { runSession } from '../../../../harness/run/session.js';
import { fakeCase, RecordingReporter, SMALL_TIMEOUTS, tempDir } from '../../../support/fake-session.js';
import { announcedHostKey, FakeCloud, FakeConnector, fakeCloudPlatform } from '../../../support/fake-cloud.js';

describe('a session on a cloud platform', () => {
  it('destroys the instance however the session ends, and records its instance-seconds', async () => {
    const cloud = new FakeCloud({ console: ['[    0.000000] Linux version 6.1.0 (x@y) #1\n', announcedHostKey().text] });
    // The stub machine's agent cannot start: the session errors after provisioning and SSH worked.
    const { platform, reaper } = fakeCloudPlatform(cloud, new FakeConnector());
    const reporter = new RecordingReporter();
    const outDir = await tempDir();
    const { boot, results } = await runSession(
      { id: 'x86_64-0-0', target: 0, arch: 'x86_64', repeat: 1, mode: 'agent', cases: [fakeCase('one')] },
      {
        platform,
        accel: 'cloud',
        image: { kind: 'host', name: 'host' },
        rootfs: [],
        outDir,
        reporter,
        timeouts: SMALL_TIMEOUTS,
        stopped: () => undefined,
        signal: reaper.signal,
        secrets: [],
        bootSamples: false,
      },
    );
    expect(results[0]).toMatchObject({ caseId: 'one', outcome: 'error' });
    expect(cloud.live.size).toBe(0);
    expect(cloud.deleted).toHaveLength(3);
    expect(Object.keys(boot.phases)).toEqual(expect.arrayContaining(['request', 'running', 'firstByte', 'kernel', 'sshReady', 'disconnect', 'destroyed']));
    expect(boot.instanceSeconds).toBe(Math.round(boot.phases.destroyed! - boot.phases.request!) / 1000);
    expect(boot.instanceSeconds).toBeGreaterThan(0);
    await reaper.reapAll();
  });
});
