import { defineConfig } from 'vitest/config';

// Two projects so a fast subset exists: `fast` needs nothing but node; `vm` boots real QEMU guests
// of every architecture and needs the fixtures that test/global-setup.ts builds.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'fast',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.vm.test.ts'],
          globalSetup: ['test/out-untouched.ts'],
          // Some fast tests start the CLI as a child process, which takes seconds on a loaded machine.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'vm',
          include: ['test/**/*.vm.test.ts'],
          globalSetup: ['test/global-setup.ts', 'test/out-untouched.ts'],
          testTimeout: 600_000,
          hookTimeout: 1_800_000,
          // Each VM test boots guests that use both cores; running files in parallel only adds noise.
          fileParallelism: false,
        },
      },
    ],
  },
});
