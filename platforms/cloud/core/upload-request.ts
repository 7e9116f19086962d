import { basename } from 'node:path';
import { UsageError } from '../../../harness/model/errors.js';

/** What `harness cloud upload` asks of a provider: a checked file in, an image id out. */
export interface UploadRequest {
  file: string;
  /** The bucket (S3, GCS) or `account/container` (Azure) the user named: the upload stages there. */
  bucket: string;
  /** The image's name, in the characters every provider allows. */
  name: string;
  /** The clouds run these two. */
  arch: 'x86_64' | 'arm64';
  bootMode: 'bios' | 'uefi';
  print(line: string): void;
  pollMs: number;
}

const NAME = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

/** `--name`, or the file's name without its extensions, folded to what GCP (the strictest) allows. */
export function imageName(file: string, name: string | undefined): string {
  const chosen = name ?? basename(file).replace(/\..*$/, '').toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '');
  if (!NAME.test(chosen)) throw new UsageError('--name', `"${chosen}" is not an image name (lower case letters, digits and -, starting with a letter, at most 63)`);
  return chosen;
}
