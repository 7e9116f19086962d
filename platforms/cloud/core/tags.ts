/**
 * What every cloud resource of the harness carries, so teardown, `harness cloud gc` and a person in
 * the console can tell whose it is and when it may go: `harness=1`, the run, who made it, and when
 * it expires. AWS and Azure take these as tags; GCP labels allow only [a-z0-9_-], so they are
 * folded there and read back in either form.
 */
export interface CloudTags {
  run: string;
  /** `user@host` of the harness that made it. */
  creator: string;
  expires: Date;
  /** The boot it belongs to: finds an instance whose create answer was lost. */
  session?: string;
}

export const TAG = {
  harness: 'harness',
  run: 'harness-run',
  creator: 'harness-creator',
  expires: 'harness-expires',
  session: 'harness-session',
} as const;

/** Tags as AWS and Azure store them. */
export function tagRecord(tags: CloudTags): Record<string, string> {
  return {
    [TAG.harness]: '1',
    [TAG.run]: tags.run,
    [TAG.creator]: tags.creator,
    [TAG.expires]: tags.expires.toISOString(),
    ...(tags.session !== undefined && { [TAG.session]: tags.session }),
  };
}

/** A GCP label value: lower case letters, digits, `_` and `-`, at most 63 characters. */
export function labelValue(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9_-]/g, '-').slice(0, 63);
}

/** `20261201t100757z`: ISO time in the characters a label allows. */
function labelTime(date: Date): string {
  return labelValue(date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, ''));
}

const LABEL_TIME = /^(\d{4})(\d{2})(\d{2})t(\d{2})(\d{2})(\d{2})z$/;

function readTime(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const label = LABEL_TIME.exec(text);
  const date = label ? new Date(`${label[1]}-${label[2]}-${label[3]}T${label[4]}:${label[5]}:${label[6]}Z`) : new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Tags as GCP labels. */
export function labelRecord(tags: CloudTags): Record<string, string> {
  return {
    [TAG.harness]: '1',
    [TAG.run]: labelValue(tags.run),
    [TAG.creator]: labelValue(tags.creator),
    [TAG.expires]: labelTime(tags.expires),
    ...(tags.session !== undefined && { [TAG.session]: labelValue(tags.session) }),
  };
}

/**
 * The harness's tags on a resource, or undefined when it is not the harness's (no `harness=1`) or
 * says nothing usable about its run and expiry: such a resource is never touched.
 */
export function readTags(record: Readonly<Record<string, string | undefined>> | null | undefined): CloudTags | undefined {
  if (!record || record[TAG.harness] !== '1') return undefined;
  const run = record[TAG.run];
  const expires = readTime(record[TAG.expires]);
  if (!run || !expires) return undefined;
  const session = record[TAG.session];
  return { run, creator: record[TAG.creator] ?? 'unknown', expires, ...(session !== undefined && { session }) };
}

/** Whether two run ids name the same run, whichever form (tag or label) each is in. */
export function sameRun(a: string, b: string): boolean {
  return labelValue(a) === labelValue(b);
}
