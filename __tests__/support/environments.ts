/** Builds environments and stacks for tests from the shipped files or from inline JSON. */
import * as fs from "node:fs";
import * as path from "node:path";
import { Testing } from "cdktf";
import { Construct } from "constructs";
import { AwsStack } from "../../constructs";
import { ConfigError, Environment, EnvironmentFileSchema, Problem, validateEnvironment } from "../../config";
import { BootstrapStack, DockerPullStack } from "../../stacks";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
export const ENVIRONMENTS_DIR = path.join(PROJECT_ROOT, "environments");

/** Names of the shipped environments (environments/*.json). */
export function shippedEnvironmentNames(): string[] {
  return fs
    .readdirSync(ENVIRONMENTS_DIR)
    .filter((file) => file.endsWith(".json"))
    .map((file) => path.basename(file, ".json"))
    .sort();
}

/** A shipped environment file, parsed but not validated. */
export function readShipped(name: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(ENVIRONMENTS_DIR, `${name}.json`), "utf8")) as Record<string, unknown>;
}

/** The smallest valid file: only the fields without defaults. */
export function minimalFile(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { account: "123456789012", region: "eu-west-1", strategy: "authenticated", ...overrides };
}

/** The problems validating `raw` as environment `name` reports (none for a valid file). */
export function problemsOf(raw: unknown, name = "test"): Problem[] {
  return validateEnvironment(raw, { name, file: `environments/${name}.json`, projectRoot: PROJECT_ROOT }).problems;
}

/** The warnings of a valid file, as "path: message". */
export function warningsOf(raw: unknown, name = "test"): string[] {
  const result = validateEnvironment(raw, { name, file: `environments/${name}.json`, projectRoot: PROJECT_ROOT });
  if (result.problems.length > 0) throw new ConfigError(result.problems);
  return result.warnings.map((w) => `${w.path}: ${w.message}`);
}

/** Validates inline JSON as environment `name`; throws ConfigError when invalid. */
export function environmentFrom(raw: unknown, name = "test"): Environment {
  const result = validateEnvironment(raw, { name, file: `environments/${name}.json`, projectRoot: PROJECT_ROOT });
  if (!result.environment) throw new ConfigError(result.problems);
  return result.environment;
}

/** Synthesizes the stack for `environment`; returns its Terraform JSON as a string (for cdktf matchers). */
export function synthStack(environment: Environment): string {
  const app = Testing.app();
  return Testing.synth(new DockerPullStack(app, environment.name, environment));
}

/** Same, parsed. */
export function synthStackJson(environment: Environment): Record<string, unknown> {
  return JSON.parse(synthStack(environment)) as Record<string, unknown>;
}

/** Synthesizes the environment's bootstrap stack (`<name>-bootstrap`), parsed. */
export function synthBootstrapJson(environment: Environment): Record<string, unknown> {
  if (!environment.bootstrap) throw new Error(`${environment.name} has no bootstrap`);
  return JSON.parse(Testing.synth(new BootstrapStack(Testing.app(), environment.bootstrap.stackName, environment))) as Record<string, unknown>;
}

/** The keys that pick a form of a config union (`build.source.type`, `mirror.registry`, ...). */
const DISCRIMINATORS = ["type", "registry", "vpc", "backend"];

/**
 * Deep-merges `patch` into a copy of `base`: objects merge, anything else
 * replaces, and so does an object that picks another form of a union (a
 * `build.source` of another `type`), as a file edited by hand would.
 */
export function merge(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const current = result[key];
    const otherForm = isObject(current) && isObject(value) && DISCRIMINATORS.some((d) => d in value && value[d] !== current[d]);
    result[key] = isObject(current) && isObject(value) && !otherForm ? merge(current, value) : value;
  }
  return result;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The top-level fields, as "allowed here:" lists them. */
export const TOP_LEVEL_FIELDS = Object.keys(EnvironmentFileSchema.shape).sort().join(", ");

/** Synthesizes whatever `build` adds to an AwsStack in `accountId` and `region`. */
export function synthIn(accountId: string, region: string, build: (scope: Construct) => void): string {
  const stack = new AwsStack(Testing.app(), "test", { accountId, region });
  build(stack);
  return Testing.synth(stack);
}

/** Every resource of `type` in synthesized JSON. */
export function resourcesIn(json: string, type: string): Record<string, unknown>[] {
  return Object.values(JSON.parse(json).resource[type] ?? {}) as Record<string, unknown>[];
}
