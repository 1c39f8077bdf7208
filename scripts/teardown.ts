/**
 * `npm run teardown -- <environment> [--auto-approve]`
 *
 * Takes an environment down without losing what users rely on: applies the
 * environment's TeardownStack (its provider and backend, no resources), so
 * Terraform deletes everything the stack manages except the Elastic IPs, the
 * mirror's secret and pinned repositories and the build's image repository,
 * which it forgets and leaves in AWS (unless their removal policy is
 * "destroy"). The SSM parameters were never Terraform's to delete.
 *
 * A plain `cdktf destroy <environment>` stops at the first protected resource
 * and deletes nothing. Needs the same AWS credentials as a deploy; shows the
 * plan and asks before applying unless --auto-approve.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { App } from "cdktf";
import { ConfigError, loadEnvironments } from "../config";
import { TeardownStack } from "../stacks";
import { setUpTerraform } from "../terraform";

function main(): number {
  const args = process.argv.slice(2);
  const autoApprove = args.includes("--auto-approve");
  const [name, ...rest] = args.filter((arg) => !arg.startsWith("--"));
  const root = path.resolve(__dirname, "..");
  const environments = loadEnvironments({ projectRoot: root });
  const environment = environments.find((e) => e.name === name);
  if (!environment || rest.length > 0) {
    console.error(`usage: npm run teardown -- <environment> [--auto-approve]; environments: ${environments.map((e) => e.name).join(", ")}`);
    return 2;
  }
  const outdir = path.join(root, "cdktf.out", "teardown");
  const app = new App({ outdir });
  new TeardownStack(app, environment.name, environment);
  app.synth();
  const terraform = setUpTerraform();
  if (!terraform) return 1;
  const dir = path.join(outdir, "stacks", environment.name);
  const run = (command: string[]) => spawnSync(terraform.binary, command, { cwd: dir, env: terraform.env, stdio: "inherit" }).status ?? 1;
  console.error(`Tearing down ${environment.name} (account ${environment.accountId}, ${environment.region}): what users rely on is forgotten, the rest deleted.`);
  return run(["init", "-input=false"]) || run(["apply", "-input=false", ...(autoApprove ? ["-auto-approve"] : [])]);
}

try {
  process.exitCode = main();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
