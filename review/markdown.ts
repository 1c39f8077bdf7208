/** The plan review as markdown: one page per environment, and the pull-request comment that gathers them. */
import { CostItem, EnvironmentReview, plural, whatStays } from "./summary";

/** A total: cents. */
const usd = (value: number) => `$${value.toFixed(2)}`;

/** "730 hours", "1 key", "100 GB": a quantity with its unit. */
function quantity(item: CostItem): string {
  return /^GB/.test(item.unit) && !item.unit.includes("-") ? `${item.quantity} ${item.unit}` : plural(item.quantity, item.unit);
}

/** A total, and how many items had no price (not in it). */
function total(review: EnvironmentReview): string {
  const missing = review.cost.unpriced.length;
  return missing === 0 ? usd(review.cost.monthlyUsd) : `${usd(review.cost.monthlyUsd)} + ${plural(missing, "item")} without a price`;
}

/** A unit price at the precision it has ($0.045, $0.0117, $0.40, $1.00), never rounded away. */
export function unitPrice(value: number | null): string {
  if (value === null) return "no price";
  const decimals = Math.max(2, (String(value).split(".")[1] ?? "").length);
  return `$${value.toFixed(decimals)}`;
}

/** The warning a plan from empty state carries, where a reader cannot miss it. */
function emptyStateWarning(review: EnvironmentReview): string {
  return (
    `> **:no_entry: ${review.environment} was planned from EMPTY state, not from its recorded state (${review.plannedFrom.where}): ` +
    "this review ran offline and cannot read a remote backend. Every resource shows as new; destroys, replacements and forgets " +
    "CANNOT show. Review it with credentials (its CI plan role) before trusting it.**"
  );
}

/** What the plan was made against, in one line. */
function plannedFromLine(review: EnvironmentReview): string {
  const { source, where } = review.plannedFrom;
  switch (source) {
    case "refreshed":
      return `Planned against the recorded state (${where}), refreshed against AWS.`;
    case "recorded":
      return `Planned offline against the recorded state (${where}), not refreshed: changes made outside Terraform do not show.`;
    case "none":
      return `No state recorded yet (${where} does not exist): planned as a first deploy.`;
    case "unavailable":
      return emptyStateWarning(review);
  }
}

/** One environment: forgets, destroys and replacements first, in bold; then counts, cost, pull budget, every change. */
export function environmentMarkdown(review: EnvironmentReview): string {
  const lines: string[] = [`## ${review.environment}: ${review.strategies.join(" + ")} (account ${review.account}, ${review.region})`, ""];
  if (review.plannedFrom.source === "unavailable") lines.push(emptyStateWarning(review), "");
  const { counts } = review;
  const dangerous = [
    ...review.destroyed.map((address) => `- **destroy \`${address}\`**`),
    ...review.replaced.map((address) => `- **replace \`${address}\`** (destroyed, then created again)`),
  ];
  if (dangerous.length > 0) {
    lines.push(`**:warning: ${counts.delete} to destroy, ${counts.replace} to replace. Read these before approving:**`, "", ...dangerous, "");
  }
  if (review.forgotten.length > 0) {
    lines.push(
      `**${plural(counts.forget, "resource")} to forget: Terraform stops managing ${counts.forget === 1 ? "it" : "them"}, and ${counts.forget === 1 ? "it stays" : "they stay"} in AWS (and on the bill):**`,
      "",
      ...review.forgotten.map((address) => `- **forget \`${address}\`**${whatStays(address) ? ` (${whatStays(address)})` : ""}`),
      "",
    );
  }
  if (dangerous.length === 0 && review.forgotten.length === 0 && review.plannedFrom.source !== "unavailable") {
    lines.push("Nothing is destroyed, replaced or forgotten.", "");
  }
  if (review.plannedFrom.source !== "unavailable") lines.push(plannedFromLine(review), "");
  lines.push(
    "| create | update | replace | delete | forget (kept in AWS) |",
    "| ---: | ---: | ---: | ---: | ---: |",
    `| ${counts.create} | ${counts.update} | ${counts.replace} | ${counts.delete} | ${counts.forget} |`,
    "",
    `### Estimated monthly cost: ${total(review)}`,
    "",
  );
  if (review.cost.items.length > 0) {
    lines.push(
      "| item | quantity | unit price | per month |",
      "| --- | ---: | ---: | ---: |",
      ...review.cost.items.map(
        (item) => `| ${item.item} | ${quantity(item)} | ${unitPrice(item.unitPriceUsd)} | ${item.monthlyUsd === null ? "not counted" : usd(item.monthlyUsd)} |`,
      ),
      "",
    );
  } else {
    lines.push("Nothing this environment holds has a monthly price of its own.", "");
  }
  lines.push(...review.cost.notes.map((note) => `_${note}_`), "", "### Docker Hub pull budget", "", budgetLine(review), "", review.pullBudget.explanation, "");
  if (review.changes.length > 0) {
    lines.push(
      `<details><summary>All ${plural(review.changes.length, "change")}</summary>`,
      "",
      ...review.changes.map((change) => `- ${change.action} \`${change.address}\``),
      "",
      "</details>",
      "",
    );
  }
  return lines.join("\n");
}

function budgetLine(review: EnvironmentReview): string {
  const budget = review.pullBudget;
  const perBuild = plural(budget.pullsPerBuild, "pull");
  if (budget.buildsPer6h === null) return `**Builds per 6 hours: not limited by Docker Hub** (${perBuild} per build).`;
  return `**${plural(budget.buildsPer6h, "build")} per 6 hours** fit in ${plural(budget.limitPer6h ?? 0, "pull")}, counted per ${budget.countedPer}, at ${perBuild} per build.`;
}

/** The pull-request comment: warnings first, a table of every environment, then each one's page. */
export function commentMarkdown(reviews: readonly EnvironmentReview[], failures: readonly { environment: string; error: string }[] = []): string {
  const lines = ["# Infrastructure plan review", ""];
  const blind = reviews.filter((r) => r.plannedFrom.source === "unavailable").map((r) => r.environment);
  if (blind.length > 0) {
    lines.push(
      `> **:no_entry: ${blind.join(", ")} ${blind.length === 1 ? "was" : "were"} planned from EMPTY state (offline, remote backend): ` +
        "destroys, replacements and forgets CANNOT show for " + (blind.length === 1 ? "it" : "them") + ". See " + (blind.length === 1 ? "its section" : "their sections") + ".**",
      "",
    );
  }
  const bold = (n: number) => (n > 0 ? `**${n}**` : `${n}`);
  const state = { refreshed: "refreshed", recorded: "recorded (not refreshed)", none: "none yet", unavailable: "**EMPTY (not read)**" } as const;
  lines.push(
    "| environment | create | update | replace | delete | forget | est. monthly cost | builds per 6 h | planned from state |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ...reviews.map((r) => {
      const builds = r.pullBudget.buildsPer6h === null ? "not limited" : `${r.pullBudget.buildsPer6h}`;
      const { counts } = r;
      return `| ${r.environment} | ${counts.create} | ${counts.update} | ${bold(counts.replace)} | ${bold(counts.delete)} | ${bold(counts.forget)} | ${total(r)} | ${builds} | ${state[r.plannedFrom.source]} |`;
    }),
    "",
  );
  for (const failure of failures) {
    lines.push(`## ${failure.environment}: **the plan failed**`, "", "```text", failure.error.trim(), "```", "");
  }
  for (const review of reviews) lines.push(environmentMarkdown(review));
  return lines.join("\n");
}
