import type { Reaper } from '../../../harness/lifecycle/reaper.js';
import type { Slots } from '../../../harness/lifecycle/slots.js';
import type { Capabilities, Lease, LeaseRequest, Platform } from '../../platform.js';
import type { CloudRun } from './cloud-run.js';
import type { CloudProvider } from './provider.js';
import { errorText } from './scrub.js';
import type { CloudSettings, CloudTimings } from './settings.js';
import type { SshConnector } from './ssh-connector.js';
import { startCloudInstance } from './start-instance.js';

export interface CloudPlatformSpec {
  /** `aws:t3.micro`, as the user named it. */
  name: string;
  /** Made on first use: the SDKs load only for a run that names their cloud. */
  provider: () => Promise<CloudProvider>;
  /** What a lease holds, for reports: "aws instance (t3.micro in eu-west-1)". */
  label: string;
  reaper: Reaper;
  run: CloudRun;
  /** Instances of this provider at once, shared by every platform of it in the run. */
  slots: Slots;
  settings: CloudSettings;
  timings: CloudTimings;
  connector: SshConnector;
  defaultUser: string;
}

/**
 * A cloud VM as a platform: the lease is one of --max-instances, `start` provisions and logs in,
 * and the machine's end destroys what was made. It runs the user's cloud image as it is, so cases'
 * rootfs archives travel with the session, as on an SSH host.
 */
export function createCloudPlatform(spec: CloudPlatformSpec): Platform {
  let probed: Promise<Capabilities> | undefined;
  const probe = async (): Promise<Capabilities> => {
    try {
      const found = await (await spec.provider()).probe();
      return { available: true, arch: found.arch, accel: 'cloud', notes: found.notes, fingerprint: found.fingerprint };
    } catch (error) {
      return { available: false, accel: 'cloud', reason: `${spec.name}: ${errorText(error)}`, notes: [] };
    }
  };
  return {
    name: spec.name,
    kind: 'cloud',
    runs: 'host',
    probe: () => (probed ??= probe()),
    async lease(request: LeaseRequest): Promise<Lease> {
      const giveBack = await spec.slots.acquire(request.signal);
      return {
        what: spec.label,
        start: async (_image, options) =>
          startCloudInstance({ ...spec, provider: await spec.provider(), platform: spec.name, options, rootfs: options.rootfs, signal: request.signal }),
        async release() {
          giveBack();
        },
      };
    },
  };
}
