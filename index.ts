/**
 * The package: the reusable constructs and their props, the stacks that
 * compose them from an environment, the environment config, and the policy
 * checks. `main.ts` (this project's app), the plan review and the Terraform
 * runner are the project's own tools and are not part of it.
 * See constructs/README.md.
 */
export * from "./constructs";
export { BootstrapStack, DockerPullStack, synthesizeEnvironments, TeardownStack } from "./stacks";
export { ConfigError, loadEnvironments, STRATEGIES, validateEnvironment } from "./config";
export type { Environment, EnvironmentFile, EnvironmentFileInput, LoadOptions, Problem, Strategy, Validation, ValidationContext } from "./config";
export { PolicyChecks, PolicyError, policyErrors, RULES } from "./policies";
export type { CheckedResource, CheckedStack, Finding, PolicyChecksProps, PolicyRule, RuleLevel } from "./policies";
