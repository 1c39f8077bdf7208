/**
 * `npm run doctor -- <environment> [--smoke] [--json]`
 *
 * Proves a deployed environment escapes Docker Hub's pull limit: one line per
 * check, a summary, and the exit code of the worst result (0 ok, 1 warn,
 * 2 fail, 3 could not run). Read-only unless --smoke, which starts one build
 * of the environment's project. Runs with the environment's credentials (a
 * profile, SSO, the CI role); assumes deploy.assumeRoleArn when it is set.
 * See doctor/index.ts for the checks and the permissions they need.
 */
import * as path from "node:path";
import { ConfigError, loadEnvironments } from "../config";
import { EXIT_USAGE, exitCode, formatJson, formatReport, progressPrinter, runDoctor } from "../doctor";

const USAGE = "usage: npm run doctor -- <environment> [--smoke] [--json]";
const FLAGS = new Set(["--smoke", "--json"]);

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const unknown = args.filter((arg) => arg.startsWith("-") && !FLAGS.has(arg));
  const names = args.filter((arg) => !arg.startsWith("-"));
  const root = path.resolve(__dirname, "..");
  // Config warnings are the synth's business; the doctor reports on what is deployed.
  const environments = loadEnvironments({ projectRoot: root, onWarnings: () => undefined });
  const environment = environments.find((e) => e.name === names[0]);
  if (!environment || names.length !== 1 || unknown.length > 0) {
    const problem = unknown.length > 0 ? `unknown option ${unknown.join(", ")}` : names.length === 0 ? "no environment given" : `no environment "${names.join(" ")}"`;
    console.error(`${problem}\n${USAGE}; environments: ${environments.map((e) => e.name).join(", ")}`);
    return EXIT_USAGE;
  }
  const json = args.includes("--json");
  const progress = progressPrinter(process.stderr);
  const report = await runDoctor(environment, { smoke: args.includes("--smoke"), progress: progress.print });
  progress.done();
  console.log(json ? formatJson(report) : formatReport(report, { color: process.stdout.isTTY === true }));
  return exitCode(report.results);
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exitCode = EXIT_USAGE;
  },
);
