import * as fs from "node:fs";
import * as path from "node:path";
import { App, Aspects, TerraformStack } from "cdktf";
import { Environment } from "../config/environment";
import { PolicyError, policyErrors } from "../policies/policy-checks";
import { BootstrapStack } from "./bootstrap-stack";
import { DockerPullStack } from "./docker-pull-stack";

/** Runs the stacks' aspects (the policy checks) now; throws a PolicyError listing every error of every stack. */
export function checkPolicies(stacks: readonly TerraformStack[]): void {
  for (const stack of stacks) {
    for (const node of stack.node.findAll()) for (const aspect of Aspects.of(stack).all) aspect.visit(node);
  }
  const errors = stacks.flatMap((stack) => policyErrors(stack));
  if (errors.length > 0) throw new PolicyError(errors);
}

/**
 * One stack per environment, synthesized into `<outdir>/stacks/<name>/`, and
 * its account bootstrap (`<name>-bootstrap`) where it has one,
 * after the policy checks pass for all of them (else nothing is written).
 * Like `cdktf synth`, it removes the folders of stacks that no longer exist,
 * so a deleted environment file cannot leave a stale stack behind.
 */
export function synthesizeEnvironments(app: App, environments: readonly Environment[]): void {
  const stacks: TerraformStack[] = environments.flatMap((environment) => [
    new DockerPullStack(app, environment.name, environment),
    ...(environment.bootstrap ? [new BootstrapStack(app, environment.bootstrap.stackName, environment)] : []),
  ]);
  // Policy checks first, for every stack: cdktf would write the stacks before a failing one.
  checkPolicies(stacks);
  app.synth();
  const stacksDir = path.join(app.outdir, "stacks");
  const names = new Set(stacks.map((stack) => stack.node.id));
  for (const entry of fs.readdirSync(stacksDir)) {
    if (!names.has(entry)) fs.rmSync(path.join(stacksDir, entry), { recursive: true, force: true });
  }
}
