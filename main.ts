/**
 * The app: one stack per environments/<name>.json. Invalid files, and
 * policy-check errors, stop the synth before anything is written, with every problem listed.
 * The context key "environments" (CDKTF_CONTEXT_JSON) picks another folder.
 */
import { App } from "cdktf";
import { ConfigError, loadEnvironments } from "./config";
import { PolicyError } from "./policies";
import { synthesizeEnvironments } from "./stacks";

try {
  const app = new App();
  const directory = (app.node.tryGetContext("environments") as string | undefined) ?? "environments";
  synthesizeEnvironments(app, loadEnvironments({ projectRoot: __dirname, directory }));
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof PolicyError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
