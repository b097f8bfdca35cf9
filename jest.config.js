/** Jest runs the TypeScript sources as ES modules (graphile-worker is ESM-only). */
import vm from "node:vm";

// without Node's ES modules in vm (NODE_OPTIONS=--experimental-vm-modules), a plain `jest` rebuilt the test database
// and then failed every file on its first `import`, in thirty lines of Babel advice that name neither the option nor npm test
if (!vm.SourceTextModule) {
  console.error(
    "The tests run as ES modules: run them with `npm test`, or one file with " +
      "`NODE_OPTIONS=--experimental-vm-modules node_modules/.bin/node node_modules/.bin/jest <file>` (README.md).",
  );
  process.exit(1);
}

export default {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { useESM: true, diagnostics: false }],
  },
  testMatch: ["<rootDir>/tests/**/*.test.ts"],
  globalSetup: "<rootDir>/tests/support/global-setup.ts",
  reporters: ["default", "<rootDir>/tests/support/summary-reporter.js"],
  // a test's time limit is no assertion of speed (benchmarks under bench/ are): a test that passes alone in 20 s
  // ran past 60 s on a machine busy with other work, and failed the CI with its code right
  testTimeout: 120_000,
  maxWorkers: 2,
  // Each test file loads PostGraphile afresh, and a worker's heap grows by tens of MB a file: a worker that
  // reached ~700 MB took over the 500 ms jest waits at the end to exit ("A worker process has failed to exit
  // gracefully"). A worker past this after a file is replaced by a fresh one.
  workerIdleMemoryLimit: "300MB",
};
