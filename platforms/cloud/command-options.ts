/**
 * The flags of `harness cloud gc` and `harness cloud upload`, apart from the commands themselves so
 * the CLI can list them without loading any cloud SDK.
 */
import type { PlatformOption } from '../platform.js';

export const CLOUD_PROVIDERS = ['aws', 'gcp', 'azure'] as const;
export type CloudProviderName = (typeof CLOUD_PROVIDERS)[number];

const WHERE: PlatformOption[] = [
  { flags: '--aws-region <region>', description: 'AWS: the region' },
  { flags: '--gcp-project <id>', description: 'GCP: the project' },
  { flags: '--azure-subscription <id>', description: 'Azure: the subscription id' },
  { flags: '--azure-resource-group <name>', description: 'Azure: the resource group (gc: only this one; upload: where the image goes)' },
];
export const CLOUD_GC_OPTIONS: PlatformOption[] = WHERE;
export const CLOUD_UPLOAD_OPTIONS: PlatformOption[] = [
  ...WHERE,
  { flags: '--azure-location <location>', description: 'Azure: the image’s region' },
  { flags: '--name <name>', description: 'the image’s name (default: the file’s name)' },
  { flags: '--arch <arch>', description: 'x86_64 or arm64', default: 'x86_64' },
  { flags: '--boot-mode <mode>', description: 'bios or uefi (default: bios on x86_64, uefi on arm64)' },
];

