/**
 * The Terraform runner: the CLI and its provider mirror, working copies
 * (offline, emulated), working directories that plan and apply, and the plan
 * JSON. Used by the tests, the review and the teardown; not part of the package.
 */
export * from "./cli";
export * from "./copies";
export * from "./plan-cache";
export * from "./plan-json";
export * from "./provider-pool";
export * from "./workspace";
