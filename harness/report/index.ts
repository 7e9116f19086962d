import { join } from 'node:path';
import { UsageError } from '../model/errors.js';
import type { Reporter } from '../model/types.js';
import { HumanReporter } from './human.js';
import { JsonReporter } from './json.js';
import { JunitReporter } from './junit.js';
import { TapReporter } from './tap-reporter.js';

export interface ReporterOptions {
  /** Folder for the file reporters: results.tap, junit.xml, results.json. */
  outDir: string;
  write: (s: string) => void;
  color: boolean;
  live: boolean;
}

const FACTORIES = {
  human: (o: ReporterOptions) => new HumanReporter({ write: o.write, color: o.color, live: o.live }),
  tap: (o: ReporterOptions) => new TapReporter({ path: join(o.outDir, 'results.tap') }),
  junit: (o: ReporterOptions) => new JunitReporter({ path: join(o.outDir, 'junit.xml') }),
  json: (o: ReporterOptions) => new JsonReporter({ path: join(o.outDir, 'results.json') }),
} satisfies Record<string, (o: ReporterOptions) => Reporter>;

export type ReporterName = keyof typeof FACTORIES;
export const REPORTER_NAMES = Object.keys(FACTORIES) as ReporterName[];

const isReporterName = (name: string): name is ReporterName => Object.hasOwn(FACTORIES, name);

/** Validates `--reporter` names, so a typo fails before anything boots; a name given twice counts once. */
export function checkReporterNames(names: string[]): ReporterName[] {
  return [...new Set(names)].map((name) => {
    if (!isReporterName(name)) {
      throw new UsageError('--reporter', `unknown reporter "${name}"; choose from ${REPORTER_NAMES.join(', ')}`);
    }
    return name;
  });
}

/** `--reporter` names → reporters, in the order given. */
export function createReporters(names: string[], opts: ReporterOptions): Reporter[] {
  return checkReporterNames(names).map((name) => FACTORIES[name](opts));
}
