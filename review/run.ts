/**
 * The plan review of environments: synthesize, plan each one with the real
 * Terraform CLI and AWS provider against its recorded state wherever it can,
 * and write one page per environment, `summary.json` and the pull-request
 * comment. What a plan is made against:
 *
 * - with credentials (online): the real backend, refreshed;
 * - offline, local backend: the state file the backend recorded, not refreshed
 *   (none yet: a first deploy);
 * - offline, remote backend: empty state, and the review says so loudly.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App } from "cdktf";
import { Environment, loadEnvironments } from "../config";
import { synthesizeEnvironments } from "../stacks";
import { cleanUp, planStack, PlanResult, setUpTerraform } from "../terraform";
import { commentMarkdown, environmentMarkdown } from "./markdown";
import { EnvironmentReview, PlannedFrom, summarize } from "./summary";

export interface ReviewOptions {
  /** The project: `environments/` and relative state paths are read from here. */
  readonly projectRoot: string;
  /** Synthesized stacks go to `<outdir>/stacks`, the review to `<outdir>/review`. */
  readonly outdir: string;
  /** Plan with fake credentials, without refreshing. */
  readonly offline: boolean;
  /** The environments to review. @default - every one */
  readonly names?: readonly string[];
  /** Progress lines. @default - stderr */
  readonly log?: (line: string) => void;
}

export interface ReviewResult {
  readonly reviews: readonly EnvironmentReview[];
  readonly failures: readonly { environment: string; error: string }[];
}

/** What an environment's plan is made against, and the state file to copy in (offline, local backend). */
export function plannedFrom(environment: Environment, offline: boolean, projectRoot: string): PlannedFrom & { stateFile?: string } {
  const state = environment.state;
  const where =
    state.backend === "local"
      ? path.relative(projectRoot, state.path) || state.path
      : state.backend === "s3"
        ? `s3://${state.bucket}/${state.key}`
        : `HCP Terraform ${state.organization}/${state.workspace}`;
  if (!offline) return { source: "refreshed", where };
  if (state.backend !== "local") return { source: "unavailable", where };
  return fs.existsSync(state.path) ? { source: "recorded", where, stateFile: state.path } : { source: "none", where };
}

/**
 * Reviews the environments and writes `<outdir>/review/`: `<env>.md` and
 * `<env>.json` for each one reviewed (other environments' pages are left as
 * they are), `summary.json` (every page there, of environments that still
 * exist) and `comment.md`.
 */
export async function reviewEnvironments(options: ReviewOptions): Promise<ReviewResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const all = loadEnvironments({ projectRoot: options.projectRoot });
  const unknown = (options.names ?? []).filter((name) => !all.some((e) => e.name === name));
  if (unknown.length > 0) throw new UnknownEnvironmentError(unknown, all.map((e) => e.name));
  const environments = options.names && options.names.length > 0 ? all.filter((e) => options.names!.includes(e.name)) : all;
  synthesizeEnvironments(new App({ outdir: options.outdir }), all);

  const terraform = setUpTerraform();
  if (!terraform) throw new Error("terraform is needed for the review (see the README)");
  const reviewDir = path.join(options.outdir, "review");
  fs.mkdirSync(reviewDir, { recursive: true });
  log(`Reviewing ${environments.map((e) => e.name).join(", ")}: ${options.offline ? "offline (fake credentials, no refresh)" : "with the AWS credentials of this shell"}`);

  const results: PlanResult[] = [];
  const reviews: EnvironmentReview[] = [];
  const failures: { environment: string; error: string }[] = [];
  let done = 0;
  await inParallel(environments, Math.max(1, os.cpus().length), async (environment) => {
    const started = Date.now();
    // This environment's pages from an earlier run would mislead if this one fails.
    for (const extension of ["md", "json"]) fs.rmSync(path.join(reviewDir, `${environment.name}.${extension}`), { force: true });
    const from = plannedFrom(environment, options.offline, options.projectRoot);
    log(`[${environment.name}] planning against ${describe(from)}...`);
    const stack = JSON.parse(fs.readFileSync(path.join(options.outdir, "stacks", environment.name, "cdk.tf.json"), "utf8")) as Record<string, unknown>;
    try {
      const result = await planStack(terraform, environment.name, stack, {
        online: !options.offline,
        stateFile: from.stateFile,
        workRoot: path.join(reviewDir, "work"),
      });
      results.push(result);
      const review = summarize(environment, result.plan, { source: from.source, where: from.where }, result.output);
      reviews.push(review);
      fs.writeFileSync(path.join(reviewDir, `${environment.name}.md`), environmentMarkdown(review));
      fs.writeFileSync(path.join(reviewDir, `${environment.name}.json`), `${JSON.stringify(review, null, 2)}\n`);
      const { create, update, replace, delete: deleted, forget } = review.counts;
      log(
        `[${environment.name}] done in ${((Date.now() - started) / 1000).toFixed(1)} s (${++done}/${environments.length}): ` +
          `${create} to create, ${update} to update, ${replace} to replace, ${deleted} to delete, ${forget} to forget`,
      );
    } catch (error) {
      failures.push({ environment: environment.name, error: (error as Error).message });
      log(`[${environment.name}] FAILED (${++done}/${environments.length}): ${(error as Error).message.split("\n").slice(0, 6).join("\n")}`);
    }
  });
  cleanUp(results);
  fs.rmSync(path.join(reviewDir, "work"), { recursive: true, force: true });

  // Every environment's latest page, in the order of the environment files.
  const pages = all.flatMap((environment) => {
    const file = path.join(reviewDir, `${environment.name}.json`);
    return fs.existsSync(file) ? [JSON.parse(fs.readFileSync(file, "utf8")) as EnvironmentReview] : [];
  });
  fs.writeFileSync(path.join(reviewDir, "summary.json"), `${JSON.stringify(Object.fromEntries(pages.map((p) => [p.environment, p])), null, 2)}\n`);
  fs.writeFileSync(path.join(reviewDir, "comment.md"), commentMarkdown(pages, failures));
  log(`Wrote ${path.relative(options.projectRoot, reviewDir) || reviewDir}/{${[...environments.map((e) => `${e.name}.md`), "summary.json", "comment.md"].join(",")}}`);
  const ordered = environments.flatMap((e) => reviews.filter((r) => r.environment === e.name));
  return { reviews: ordered, failures };
}

/** Names that are not environments. */
export class UnknownEnvironmentError extends Error {
  constructor(unknown: readonly string[], known: readonly string[]) {
    super(`No environment ${unknown.join(", ")}; environments: ${known.join(", ")}`);
    this.name = "UnknownEnvironmentError";
  }
}

function describe(from: PlannedFrom): string {
  switch (from.source) {
    case "refreshed":
      return `its state at ${from.where}, refreshed`;
    case "recorded":
      return `the state recorded at ${from.where}`;
    case "none":
      return `no state (${from.where} does not exist yet)`;
    case "unavailable":
      return `EMPTY state (${from.where} cannot be read offline)`;
  }
}

async function inParallel<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
