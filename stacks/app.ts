import * as fs from "node:fs";
import * as path from "node:path";
import { App } from "cdktf";
import { Environment } from "../config/environment";
import { DockerPullStack } from "./docker-pull-stack";

/**
 * One stack per environment, synthesized into `<outdir>/stacks/<name>/`.
 * Like `cdktf synth`, it removes the folders of stacks that no longer exist,
 * so a deleted environment file cannot leave a stale stack behind.
 */
export function synthesizeEnvironments(app: App, environments: readonly Environment[]): void {
  for (const environment of environments) new DockerPullStack(app, environment.name, environment);
  app.synth();
  const stacksDir = path.join(app.outdir, "stacks");
  const names = new Set(environments.map((e) => e.name));
  for (const entry of fs.readdirSync(stacksDir)) {
    if (!names.has(entry)) fs.rmSync(path.join(stacksDir, entry), { recursive: true, force: true });
  }
}
