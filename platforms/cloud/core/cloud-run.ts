import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Reaper } from '../../../harness/lifecycle/reaper.js';
import { InfraError } from '../../../harness/model/errors.js';
import { runnerCidr, type DiscoverAddress } from './runner-address.js';
import { createRunKey, type RunKey } from './run-key.js';
import { errorText } from './scrub.js';

export interface CloudRunOptions {
  reaper: Reaper;
  runId: string;
  /** `user@host`, for the creator tag. */
  creator: string;
  discover: DiscoverAddress;
  /** The argv that runs this harness's CLI, for the guardian's `cloud gc`; absent: no guardian command. */
  self?: readonly string[];
  /** Where the guardian's gc writes what it did. */
  logDir: string;
  /** The run's SSH key; default: a fresh ed25519 pair in a private folder. */
  makeKey?: (reaper: Reaper, comment: string) => Promise<RunKey>;
}

/**
 * What every cloud platform of one run shares: the run id and creator its tags carry, one SSH key,
 * the runner's address, and the guardian's `harness cloud gc --run <id>` command, registered while
 * any instance of a provider may exist.
 */
export class CloudRun {
  /** A short random stem for resource names: run ids are long, and two runs may start in the same second. */
  readonly stem = randomBytes(4).toString('hex');
  private keyPromise: Promise<RunKey> | undefined;
  private cidrPromise: Promise<string> | undefined;
  private readonly guards = new Map<string, number>();

  constructor(readonly options: CloudRunOptions) {}

  get id(): string {
    return this.options.runId;
  }

  get creator(): string {
    return this.options.creator;
  }

  key(): Promise<RunKey> {
    this.keyPromise ??= (this.options.makeKey ?? createRunKey)(this.options.reaper, `harness-${this.stem}`);
    return this.keyPromise;
  }

  /** The explicit /32, or the discovered address as one; asked once per run. */
  runnerCidr(explicit: string | undefined, signal: AbortSignal): Promise<string> {
    if (explicit !== undefined) return Promise.resolve(explicit);
    this.cidrPromise ??= this.options.discover(signal).then(
      (address) => runnerCidr(address, 'the discovered runner address'),
      (error: unknown) => {
        this.cidrPromise = undefined;
        throw new InfraError(`cannot discover this runner's address (${errorText(error)}): pass --cloud-runner-ip`, { phase: 'request' });
      },
    );
    return this.cidrPromise;
  }

  /**
   * Makes the guardian run `cloud gc` for this run and provider if the harness is killed; returns
   * the release. Counted, so it stays registered while any instance of that provider may exist.
   */
  guardGc(provider: string, providerArgs: readonly string[]): () => void {
    const guardian = this.options.reaper.guardian;
    if (!guardian || !this.options.self) return () => {};
    mkdirSync(this.options.logDir, { recursive: true });
    const command = {
      argv: [...this.options.self, 'cloud', 'gc', '--provider', provider, '--run', this.options.runId, ...providerArgs],
      log: join(this.options.logDir, `gc-${provider}-${this.stem}.log`),
    };
    const key = JSON.stringify(command);
    const count = this.guards.get(key) ?? 0;
    if (count === 0) guardian.guardCommand(command);
    this.guards.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.guards.get(key) ?? 1) - 1;
      this.guards.set(key, left);
      if (left === 0) guardian.releaseCommand(command);
    };
  }
}
