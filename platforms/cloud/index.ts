/**
 * Cloud VMs as platforms: one factory per provider over the shared core, and the `cloud` commands.
 * The registry is the only importer.
 */
import type { PlatformFactory } from '../platform.js';
import { AWS_SPEC } from './aws/index.js';
import { AZURE_SPEC } from './azure/index.js';
import { cloudFactory, type CloudDeps } from './core/cloud-factory.js';
import { sshConnector } from './core/ssh-transport.js';
import { GCP_SPEC } from './gcp/index.js';

export { CLOUD_GC_OPTIONS, CLOUD_UPLOAD_OPTIONS } from './command-options.js';

/** The `cloud` commands, loaded when one runs: they bring every cloud SDK. */
export const cloudCommands = () => import('./cloud-commands.js');

/** `aws:<instance-type>`, `gcp:<machine-type>`, `azure:<vm-size>`; reached over the harness's SSH transport unless told otherwise. */
export function cloudFactories(deps: Partial<CloudDeps> = {}): PlatformFactory[] {
  return [AWS_SPEC, GCP_SPEC, AZURE_SPEC].map((spec) => cloudFactory(spec, { connector: sshConnector, ...deps }));
}
