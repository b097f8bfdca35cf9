/** Jest runs the TypeScript sources as ES modules (graphile-worker is ESM-only). */
export default {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { useESM: true, diagnostics: false }],
  },
  testMatch: ["<rootDir>/tests/**/*.test.ts"],
  globalSetup: "<rootDir>/tests/support/global-setup.ts",
  reporters: ["default", "<rootDir>/tests/support/summary-reporter.js"],
  testTimeout: 60_000,
  maxWorkers: 2,
};
