/**
 * `npm run review -- [--offline] [--outdir <dir>] [environment ...]`
 *
 * Synthesizes, then plans every environment (or the ones named) with the real
 * Terraform CLI and AWS provider, in parallel where the cores allow, sharing
 * one plugin cache. Offline (fake credentials, no refresh) when --offline is
 * given or no AWS credentials are present; with real credentials otherwise.
 *
 * Writes cdktf.out/review/<env>.md, cdktf.out/review/summary.json and the
 * pull-request comment cdktf.out/review/comment.md. Exits non-zero when a plan fails.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App } from "cdktf";
import { ConfigError, Environment, loadEnvironments } from "../config";
import { commentMarkdown, environmentMarkdown } from "../review/markdown";
import { EnvironmentReview, summarize } from "../review/summary";
import { cleanUp, hasAwsCredentials, planStack, PlanResult, setUpTerraform } from "../terraform";
import { synthesizeEnvironments } from "../stacks";

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const offline = args.includes("--offline") || !hasAwsCredentials();
  const outdirAt = args.indexOf("--outdir");
  const root = path.resolve(__dirname, "..");
  const outdir = outdirAt >= 0 ? path.resolve(args[outdirAt + 1]) : path.join(root, "cdktf.out");
  const named = args.filter((arg, i) => !arg.startsWith("--") && (outdirAt < 0 || i !== outdirAt + 1));
  const reviewDir = path.join(outdir, "review");
  // A review is one run: pages left from an earlier run would mislead.
  fs.rmSync(reviewDir, { recursive: true, force: true });

  const all = loadEnvironments({ projectRoot: root });
  const unknown = named.filter((name) => !all.some((e) => e.name === name));
  if (unknown.length > 0) {
    console.error(`No environment ${unknown.join(", ")}; environments: ${all.map((e) => e.name).join(", ")}`);
    return 2;
  }
  const environments = named.length > 0 ? all.filter((e) => named.includes(e.name)) : all;
  synthesizeEnvironments(new App({ outdir }), all);

  const terraform = setUpTerraform();
  if (!terraform) return 1;
  const mode = offline ? "offline" : "online";
  log(`Reviewing ${environments.map((e) => e.name).join(", ")}: ${mode === "offline" ? "offline (fake credentials, no refresh)" : "with the AWS credentials of this shell"}`);

  fs.mkdirSync(reviewDir, { recursive: true });
  const results: PlanResult[] = [];
  const reviews: EnvironmentReview[] = [];
  const failures: { environment: string; error: string }[] = [];
  let done = 0;
  await inParallel(environments, Math.max(1, os.cpus().length), async (environment: Environment) => {
    const started = Date.now();
    log(`[${environment.name}] planning...`);
    const stack = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", environment.name, "cdk.tf.json"), "utf8"));
    try {
      const result = await planStack(terraform, environment.name, stack, {
        online: !offline,
        validate: true,
        workRoot: path.join(reviewDir, "work"),
      });
      results.push(result);
      const review = summarize(environment, result.plan, mode, result.output);
      reviews.push(review);
      fs.writeFileSync(path.join(reviewDir, `${environment.name}.md`), environmentMarkdown(review));
      const { create, update, replace, delete: deleted } = review.counts;
      log(
        `[${environment.name}] done in ${((Date.now() - started) / 1000).toFixed(1)} s (${++done}/${environments.length}): ` +
          `${create} to create, ${update} to update, ${replace} to replace, ${deleted} to delete`,
      );
    } catch (error) {
      failures.push({ environment: environment.name, error: (error as Error).message });
      log(`[${environment.name}] FAILED (${++done}/${environments.length}): ${(error as Error).message.split("\n").slice(0, 6).join("\n")}`);
    }
  });
  cleanUp(results);
  fs.rmSync(path.join(reviewDir, "work"), { recursive: true, force: true });

  const ordered = environments.flatMap((e) => reviews.filter((r) => r.environment === e.name));
  const summary = Object.fromEntries(ordered.map((review) => [review.environment, review]));
  fs.writeFileSync(path.join(reviewDir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
  fs.writeFileSync(path.join(reviewDir, "comment.md"), commentMarkdown(ordered, failures));
  log(`Wrote ${path.relative(root, reviewDir)}/{${[...ordered.map((r) => `${r.environment}.md`), "summary.json", "comment.md"].join(",")}}`);
  return failures.length > 0 ? 1 : 0;
}

async function inParallel<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exitCode = 1;
  },
);
