import { describe, expect, it } from 'vitest';
import type { LoadedConfig } from '../../../harness/config/load-config.js';
import { selectProjects } from '../../../harness/config/select-projects.js';
import { resolveSettings, type RunSettings } from '../../../harness/config/settings.js';

const DEFAULTS: RunSettings = { platform: 'qemu', cases: ['/repo/cases'], labels: [], retries: 0, infraRetries: 2, reporters: ['human'], options: { channel: 'virtio' } };

const config: LoadedConfig = {
  file: '/work/harness.config.yaml',
  top: { retries: 1, reporters: ['junit'], options: { channel: 'console' } },
  projects: [
    { name: 'x86', index: 0, settings: { platform: 'qemu:x86_64', labels: ['smoke'] } },
    { name: 'arm', index: 1, settings: { platform: 'qemu:arm64', retries: 2, options: { identity: '/k' } } },
  ],
  whereProject: (i) => `/work/harness.config.yaml:${i}`,
};

describe('resolveSettings', () => {
  it('takes a typed flag over the project, the project over the top level, the top level over the defaults', () => {
    const { settings, sources, optionSources } = resolveSettings({
      flag: { labels: ['net'], options: { knownHosts: '/kh' } },
      project: { platform: 'qemu:arm64', labels: ['smoke'], retries: 2, options: { channel: 'console' } },
      config: { retries: 1, timeout: 30 },
      default: DEFAULTS,
    });
    expect(settings).toMatchObject({ platform: 'qemu:arm64', labels: ['net'], retries: 2, timeout: 30, infraRetries: 2, cases: ['/repo/cases'] });
    expect(sources).toMatchObject({ platform: 'project', labels: 'flag', retries: 'project', timeout: 'config', infraRetries: 'default', image: 'default' });
    // Options are settled one at a time: a flag for one keeps the project's other.
    expect(settings.options).toEqual({ knownHosts: '/kh', channel: 'console' });
    expect(optionSources).toEqual({ knownHosts: 'flag', channel: 'project' });
  });

  it('leaves a setting nobody gave undefined, from the defaults', () => {
    const { settings, sources } = resolveSettings({ flag: {}, default: DEFAULTS });
    expect(settings.grep).toBeUndefined();
    expect(sources.grep).toBe('default');
  });
});

describe('selectProjects', () => {
  it('runs every project by default, in the file order, each over the top level', () => {
    const runs = selectProjects(config, [], {}, DEFAULTS);
    expect(runs.map((r) => [r.name, r.resolved.settings.platform, r.resolved.settings.retries, r.resolved.settings.reporters])).toEqual([
      ['x86', 'qemu:x86_64', 1, ['junit']],
      ['arm', 'qemu:arm64', 2, ['junit']],
    ]);
    expect(runs[1]?.resolved.settings.options).toEqual({ identity: '/k', channel: 'console' });
  });

  it('picks projects by --project, each once, in the order asked', () => {
    expect(selectProjects(config, ['arm', 'x86', 'arm'], {}, DEFAULTS).map((r) => r.name)).toEqual(['arm', 'x86']);
  });

  it('lets a typed flag win in every project it runs', () => {
    const runs = selectProjects(config, [], { retries: 5, platform: 'qemu:s390x' }, DEFAULTS);
    expect(runs.map((r) => [r.resolved.settings.retries, r.resolved.settings.platform, r.resolved.sources.retries])).toEqual([
      [5, 'qemu:s390x', 'flag'],
      [5, 'qemu:s390x', 'flag'],
    ]);
  });

  it('refuses an unknown project, suggesting a near miss or listing them', () => {
    expect(() => selectProjects(config, ['x68'], {}, DEFAULTS)).toThrow('--project: no project "x68" in /work/harness.config.yaml (did you mean x86?)');
    expect(() => selectProjects(config, ['ppc'], {}, DEFAULTS)).toThrow('(its projects: x86, arm)');
  });

  it('runs the flags alone without a config, and refuses --project there', () => {
    const [only, ...rest] = selectProjects(undefined, [], { grep: 'ns-' }, DEFAULTS);
    expect(rest).toEqual([]);
    expect(only?.name).toBeUndefined();
    expect(only?.resolved.settings).toMatchObject({ grep: 'ns-', platform: 'qemu' });
    expect(() => selectProjects(undefined, ['x86'], {}, DEFAULTS)).toThrow('there is no config file to take projects from');
  });

  it('runs a config without projects as one run of its top level', () => {
    const flat = { ...config, projects: [] };
    expect(selectProjects(flat, [], {}, DEFAULTS).map((r) => [r.name, r.config, r.resolved.sources.retries])).toEqual([[undefined, config.file, 'config']]);
    expect(() => selectProjects(flat, ['x86'], {}, DEFAULTS)).toThrow('/work/harness.config.yaml defines no projects');
  });
});
