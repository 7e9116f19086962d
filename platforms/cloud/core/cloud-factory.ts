import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { Slots } from '../../../harness/lifecycle/slots.js';
import { UsageError } from '../../../harness/model/errors.js';
import type { Platform, PlatformContext, PlatformFactory, PlatformOption } from '../../platform.js';
import { createCloudPlatform } from './cloud-platform.js';
import { once } from './once.js';
import { CloudRun } from './cloud-run.js';
import type { CloudProvider } from './provider.js';
import { discoverPublicAddress, type DiscoverAddress } from './runner-address.js';
import { cloudSettings, CLOUD_OPTIONS, DEFAULT_TIMINGS, type CloudTimings } from './settings.js';
import type { SshConnector } from './ssh-connector.js';

/** What every cloud factory needs beyond the registry's context; tests replace any of it. */
export interface CloudDeps {
  connector: SshConnector;
  timings?: CloudTimings;
  discover?: DiscoverAddress;
  /** How the guardian runs this harness (`node [loader] <entry>`); default: as this process runs. */
  self?: readonly string[];
  creator?: string;
  /** The run's SSH key; default: a fresh ed25519 pair. */
  makeKey?: CloudRun['options']['makeKey'];
}

export interface ProviderSpec {
  kind: string;
  /** `<instance-type>` etc., for help. */
  form: string;
  /** The name after `kind:`, checked. */
  typePattern: RegExp;
  typeForm: string;
  /** The login when --cloud-user is not given. */
  defaultUser: string;
  options: PlatformOption[];
  /**
   * Reads and checks this provider's flags at once (a usage error names the flag before anything
   * runs); `make` loads the SDK and makes the provider (credentials from the SDK's chain) when first needed.
   */
  provider(type: string, options: Readonly<Record<string, unknown>>, name: string, timings: CloudTimings): { label: string; make(): Promise<CloudProvider> };
}

function defaultSelf(): readonly string[] | undefined {
  const entry = process.argv[1];
  return entry ? [process.execPath, ...process.execArgv, entry] : undefined;
}

/** The run's shared cloud state: one CloudRun (id, key, runner address, guardian) for all providers. */
function cloudRun(context: PlatformContext, deps: CloudDeps): CloudRun {
  return context.shared('cloud-run', () => {
    const self = deps.self ?? defaultSelf();
    return new CloudRun({
      reaper: context.reaper,
      runId: context.runId ?? new Date().toISOString().replace(/[:.]/g, '-'),
      creator: deps.creator ?? `${userInfo().username}@${hostname()}`,
      discover: deps.discover ?? discoverPublicAddress,
      ...(self && { self }),
      logDir: join(context.cacheDir, 'cloud'),
      ...(deps.makeKey && { makeKey: deps.makeKey }),
    });
  });
}

/** `<kind>:<type>` as a platform factory over one provider. */
export function cloudFactory(spec: ProviderSpec, deps: CloudDeps): PlatformFactory {
  const prefix = `${spec.kind}:`;
  return {
    kind: 'cloud',
    forms: [`${prefix}${spec.form}`],
    options: [...CLOUD_OPTIONS, ...spec.options],
    create(name: string, context: PlatformContext): Platform[] | undefined {
      if (!name.startsWith(prefix)) return undefined;
      const type = name.slice(prefix.length);
      if (!spec.typePattern.test(type)) throw new UsageError('--platform', `"${type}" in "${name}" is not ${spec.typeForm}`);
      const settings = cloudSettings(context.options);
      const timings = deps.timings ?? DEFAULT_TIMINGS;
      const { label, make } = spec.provider(type, context.options, name, timings);
      return [
        createCloudPlatform({
          name,
          provider: once(make),
          label,
          reaper: context.reaper,
          run: cloudRun(context, deps),
          // Per provider: quotas and bills are.
          slots: context.shared(`cloud-slots:${spec.kind}`, () => new Slots(settings.maxInstances)),
          settings,
          timings,
          connector: deps.connector,
          defaultUser: spec.defaultUser,
        }),
      ];
    },
  };
}

