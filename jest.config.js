const os = require("node:os");

/** What every project shares: transpile only (swc; type-checking is `tsc --noEmit`, run once by `npm test`), cdktf's matchers. */
const common = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022", parser: { syntax: "typescript" } }, module: { type: "commonjs" } }],
  },
  setupFilesAfterEnv: ["<rootDir>/__tests__/support/setup.ts"],
};

/**
 * Three projects: `unit` (no Terraform, no emulator: the inner loop, `npm run test:unit`), `plan` (the real
 * provider, offline) and `apply` (the real provider against the emulator). `npm test` runs all three. The
 * plan and apply projects share one pool of running providers (one per core, started once by their global
 * setup): that pool is the one limit on offline plans across every worker. Deployments into the emulator
 * run a provider of their own (see __tests__/support/apply.ts).
 * @type {import('jest').Config}
 */
module.exports = {
  // A worker per core and two more: apply tests spend part of their time in the provider's waiters (an S3
  // lifecycle configuration's takes 55 s), which left the cores idle with a worker per core. Measured on 2 cores,
  // whole suite: 2 workers 357 s, 4 workers 283 s (providers still logging); then, with quiet providers,
  // 4 workers 244 s and 6 workers 245 s. Plans stay limited by the provider pool.
  maxWorkers: os.cpus().length + 2,
  testTimeout: 30000,
  projects: [
    { ...common, displayName: "unit", testMatch: ["**/*.test.ts"], testPathIgnorePatterns: ["/plan-[^/]*$", "/apply-[^/]*$"] },
    {
      ...common,
      displayName: "plan",
      testMatch: ["**/plan-*.test.ts"],
      globalSetup: "<rootDir>/__tests__/support/global-setup.ts",
      globalTeardown: "<rootDir>/__tests__/support/global-teardown.ts",
    },
    {
      ...common,
      displayName: "apply",
      testMatch: ["**/apply-*.test.ts"],
      globalSetup: "<rootDir>/__tests__/support/global-setup.ts",
      globalTeardown: "<rootDir>/__tests__/support/global-teardown.ts",
    },
  ],
};
