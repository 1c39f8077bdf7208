/**
 * Shared by the plan test files: one Terraform set-up, a pool that starts
 * the plans of the describe blocks that run (one Terraform per core), and
 * readers for the plan JSON.
 */
import { ExistingResource, stateWith } from "./recorded-state";
import * as os from "node:os";
import { changesOf, cleanUp, planStack, PlanJson, PlanResult, setUpTerraform } from "../../terraform";

export const terraform = setUpTerraform();
/** `describe` when Terraform is here, `describe.skip` (after a loud warning) when not. */
export const describeWithTerraform = terraform ? describe : describe.skip;
export const PLAN_TIMEOUT = 600_000;

const started: Promise<unknown>[] = [];
const limit = Math.max(1, os.cpus().length);
let running = 0;
const waiting: (() => void)[] = [];

async function pooled<T>(task: () => Promise<T>): Promise<T> {
  while (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await task();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** True while jest collects the file's describe blocks; false once its first hook runs. */
let collecting = true;
beforeAll(() => {
  collecting = false;
});

/**
 * Starts a plan in the `beforeAll` of the describe block that asked for it
 * (at once when asked from a hook or a test): the test that needs it awaits
 * it, so a failure surfaces there. A block whose tests are all filtered out
 * (`-t`, `.only`, `.skip`) never runs its beforeAll, so its plans never
 * start. Every started plan shares the pool.
 */
export function startPlan(
  name: string,
  stackJson: Record<string, unknown>,
  options: Parameters<typeof planStack>[3] & { existing?: readonly ExistingResource[] } = {},
): Promise<PlanResult> {
  const { existing, ...planOptions } = options;
  const withState = existing ? { ...planOptions, state: stateWith(existing) } : planOptions;
  let begin!: () => void;
  const planned = new Promise<void>((resolve) => (begin = resolve)).then(() => {
    // describe.skip still collects its block: without terraform, start nothing.
    const plan = terraform ? pooled(() => planStack(terraform, name, stackJson, withState)) : Promise.reject(new Error("no terraform"));
    started.push(plan.catch(() => undefined));
    return plan;
  });
  // A plan expected to fail rejects before its test awaits it: handled here, it still rejects for the test.
  planned.catch(() => undefined);
  if (collecting) beforeAll(() => begin());
  else begin();
  return planned;
}

/** Call once per test file: removes the plan directories when the file is done. */
export function cleanUpPlansAfterAll(): void {
  afterAll(async () => {
    const settled = await Promise.all(started);
    cleanUp(settled.filter((result): result is PlanResult => result !== undefined));
  });
}

export interface Statement {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

/** The planned values of the one resource of `type` whose `name` attribute is `name`. */
export function afterNamed(plan: PlanJson, type: string, name: string): Record<string, unknown> {
  const found = afterOf(plan, type).filter((values) => values.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
  return found[0];
}

/** The planned values of every resource of `type` being created or changed. */
export function afterOf(plan: PlanJson, type: string): Record<string, unknown>[] {
  return changesOf(plan, type).map((change) => change.change.after ?? {});
}

/**
 * An inline policy of a role (by role name), as planned. The main one
 * ("granted") is known at plan time (its ARNs come from config);
 * "build-network-interfaces" is known only when the subnets already exist.
 */
export function rolePolicy(plan: PlanJson, role: string, name = "granted"): Statement[] {
  const policy = afterOf(plan, "aws_iam_role_policy").find((p) => p.role === role && p.name === name);
  if (!policy) return [];
  if (typeof policy.policy !== "string") throw new Error(`the ${name} policy is not known at plan time`);
  return (JSON.parse(policy.policy) as { Statement: Statement[] }).Statement;
}

interface ConfiguredResource {
  address: string;
  type: string;
  expressions: Record<string, unknown>;
}

/**
 * The configuration half of the plan JSON: which resource refers to which.
 * This is how a plan-level test follows a subnet to its route table, its
 * default route, the NAT gateway and the Elastic IP, even before their ids exist.
 */
export class ConfigurationGraph {
  private readonly resources: ConfiguredResource[];
  private readonly outputs: Record<string, { expression?: { references?: string[] } }>;

  constructor(plan: PlanJson) {
    const root = plan.configuration.root_module as {
      resources?: ConfiguredResource[];
      outputs?: Record<string, { expression?: { references?: string[] } }>;
    };
    this.resources = root.resources ?? [];
    this.outputs = root.outputs ?? {};
  }

  ofType(type: string): ConfiguredResource[] {
    return this.resources.filter((resource) => resource.type === type);
  }

  /** The resource addresses an expression path refers to, e.g. `["vpc_config", 0, "subnets"]`. */
  references(resource: ConfiguredResource, path: (string | number)[]): string[] {
    const expression = path.reduce<unknown>(
      (value, key) => (value !== null && typeof value === "object" ? (value as Record<string | number, unknown>)[key] : undefined),
      resource.expressions,
    ) as { references?: string[] } | undefined;
    return referencedResources(expression?.references ?? []);
  }

  constant(resource: ConfiguredResource, key: string): unknown {
    return (resource.expressions[key] as { constant_value?: unknown } | undefined)?.constant_value;
  }

  /** Resources of `type` whose `key` refers to `address`. */
  referring(type: string, key: string, address: string): ConfiguredResource[] {
    return this.ofType(type).filter((resource) => this.references(resource, [key]).includes(address));
  }

  byAddress(address: string): ConfiguredResource {
    const found = this.resources.find((resource) => resource.address === address);
    if (!found) throw new Error(`no resource ${address} in the plan's configuration`);
    return found;
  }

  outputReferences(name: string): string[] {
    return referencedResources(this.outputs[name]?.expression?.references ?? []);
  }
}

/** `aws_subnet.a.id` and `aws_subnet.a` both name the resource `aws_subnet.a`. */
function referencedResources(references: string[]): string[] {
  return [...new Set(references.filter((r) => !r.startsWith("var.")).map((r) => r.split(".").slice(0, 2).join(".")))];
}
