/**
 * The import boundaries that keep the layout honest (docs/seam.md). test/import-boundaries.test.ts
 * runs dependency-cruiser with these rules on every test run.
 */
module.exports = {
  forbidden: [
    {
      name: 'core-only-through-the-seam',
      comment: 'harness/ reaches platforms only through the seam (platform.ts) and the registry',
      severity: 'error',
      from: { path: '^harness/' },
      to: { path: '^platforms/', pathNot: ['^platforms/platform\\.ts$', '^platforms/registry\\.ts$'] },
    },
    {
      name: 'fixtures-through-one-door',
      comment: 'the image builder is reached only through harness/cli/commands/fixtures.ts',
      severity: 'error',
      from: { path: '^(harness|platforms)/', pathNot: '^harness/cli/commands/fixtures\\.ts$' },
      to: { path: '^fixtures/' },
    },
    {
      name: 'platforms-do-not-import-each-other',
      comment: 'a platform folder imports the seam, platforms/shared/ and the core, never another platform',
      severity: 'error',
      from: { path: '^platforms/([^/]+)/', pathNot: '^platforms/shared/' },
      to: { path: '^platforms/', pathNot: ['^platforms/$1/', '^platforms/shared/', '^platforms/platform\\.ts$'] },
    },
    {
      name: 'shared-serves-every-platform',
      comment: 'platforms/shared/ is a library for platforms; it knows none of them',
      severity: 'error',
      from: { path: '^platforms/shared/' },
      to: { path: '^platforms/', pathNot: ['^platforms/shared/', '^platforms/platform\\.ts$'] },
    },
    {
      name: 'model-is-plain-data',
      comment: 'harness/model/ is imported by every stage and imports no stage',
      severity: 'error',
      from: { path: '^harness/model/' },
      to: { path: '^(harness|platforms)/', pathNot: '^harness/model/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '^(node_modules|dist|test|\\.cache)/' },
  },
};
