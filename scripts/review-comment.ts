/**
 * `npm run --silent review:comment -- <dir> [environment ...]`: the pull-request
 * comment from the reviews the plan jobs uploaded (each a summary.json under
 * <dir>), one section per environment. Environments named but without a
 * review (their plan job failed) are listed as such.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { commentMarkdown } from "../review/markdown";
import { EnvironmentReview } from "../review/summary";

const [dir, ...expected] = process.argv.slice(2);
if (!dir) {
  console.error("usage: review-comment <directory with summary.json files> [environment ...]");
  process.exit(2);
}
const summaries = fs
  .readdirSync(dir, { recursive: true, encoding: "utf8" })
  .filter((file) => path.basename(file) === "summary.json")
  .sort()
  .flatMap((file) => Object.values(JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as Record<string, EnvironmentReview>));
const missing = expected.filter((name) => !summaries.some((review) => review.environment === name));
process.stdout.write(
  commentMarkdown(
    summaries,
    missing.map((environment) => ({ environment, error: "No review: the plan job failed. See its log in the workflow run." })),
  ),
);
