/**
 * `npm run review -- [--offline] [--outdir <dir>] [environment ...]`
 *
 * Synthesizes, then plans every environment (or the ones named) with the real
 * Terraform CLI and AWS provider, in parallel where the cores allow, each
 * against its recorded state wherever that can be read (review/run.ts says
 * how). Offline (fake credentials, no refresh) when --offline is given or no
 * AWS credentials are present; with real credentials otherwise.
 *
 * Writes cdktf.out/review/<env>.md and <env>.json for the environments
 * reviewed (other environments' pages stay), summary.json and the
 * pull-request comment comment.md. Exits non-zero when a plan fails.
 */
import * as path from "node:path";
import { ConfigError } from "../config";
import { reviewEnvironments, UnknownEnvironmentError } from "../review/run";
import { hasAwsCredentials } from "../terraform";

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const outdirAt = args.indexOf("--outdir");
  const projectRoot = path.resolve(__dirname, "..");
  const { failures } = await reviewEnvironments({
    projectRoot,
    outdir: outdirAt >= 0 ? path.resolve(args[outdirAt + 1]) : path.join(projectRoot, "cdktf.out"),
    offline: args.includes("--offline") || !hasAwsCredentials(),
    names: args.filter((arg, i) => !arg.startsWith("--") && (outdirAt < 0 || i !== outdirAt + 1)),
  });
  return failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (!(error instanceof ConfigError || error instanceof UnknownEnvironmentError)) throw error;
    console.error(error.message);
    process.exitCode = error instanceof UnknownEnvironmentError ? 2 : 1;
  },
);
