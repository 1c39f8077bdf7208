/** The plan review as markdown: one page per environment, and the pull-request comment that gathers them. */
import { EnvironmentReview } from "./summary";

const usd = (value: number) => `$${value.toFixed(2)}`;

/** One environment: destroys and replacements first, in bold; then counts, cost, pull budget, every change. */
export function environmentMarkdown(review: EnvironmentReview): string {
  const lines: string[] = [
    `## ${review.environment}: ${review.strategies.join(" + ")} (account ${review.account}, ${review.region})`,
    "",
  ];
  const dangerous = [
    ...review.destroyed.map((address) => `- **destroy \`${address}\`**`),
    ...review.replaced.map((address) => `- **replace \`${address}\`** (destroyed, then created again)`),
  ];
  if (dangerous.length > 0) {
    lines.push(
      `**:warning: ${review.destroyed.length} to destroy, ${review.replaced.length} to replace. Read these before approving:**`,
      "",
      ...dangerous,
      "",
    );
  } else {
    lines.push("Nothing is destroyed or replaced.", "");
  }
  if (review.mode === "offline") {
    lines.push("> Planned offline (fake credentials, no refresh): changes are relative to the state as recorded, not to AWS.", "");
  }
  const { counts } = review;
  lines.push(
    "| create | update | replace | delete | forget (kept in AWS) |",
    "| ---: | ---: | ---: | ---: | ---: |",
    `| ${counts.create} | ${counts.update} | ${counts.replace} | ${counts.delete} | ${counts.forget} |`,
    "",
    `### Estimated monthly cost: ${usd(review.cost.monthlyUsd)}`,
    "",
    "| item | quantity | unit price | per month |",
    "| --- | ---: | ---: | ---: |",
    ...review.cost.items.map((item) => `| ${item.item} | ${item.quantity} ${item.unit} | ${usd(item.unitPriceUsd)} | ${usd(item.monthlyUsd)} |`),
    "",
    ...review.cost.notes.map((note) => `_${note}_`),
    "",
    "### Docker Hub pull budget",
    "",
    budgetLine(review),
    "",
    review.pullBudget.explanation,
    "",
  );
  if (review.changes.length > 0) {
    lines.push(
      `<details><summary>All ${review.changes.length} changes</summary>`,
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
  if (budget.buildsPer6h === null) return `**Builds per 6 hours: not limited by Docker Hub** (${budget.pullsPerBuild} pulls per build).`;
  return `**${budget.buildsPer6h} builds per 6 hours** fit in ${budget.limitPer6h} pulls, counted per ${budget.countedPer}, at ${budget.pullsPerBuild} pulls per build.`;
}

/** The pull-request comment: a table of every environment, then each one's page. */
export function commentMarkdown(reviews: readonly EnvironmentReview[], failures: readonly { environment: string; error: string }[] = []): string {
  const lines = [
    "# Infrastructure plan review",
    "",
    "| environment | create | update | replace | delete | est. monthly cost | builds per 6 h |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...reviews.map((r) => {
      const bold = (n: number) => (n > 0 ? `**${n}**` : `${n}`);
      const builds = r.pullBudget.buildsPer6h === null ? "not limited" : `${r.pullBudget.buildsPer6h}`;
      return `| ${r.environment} | ${r.counts.create} | ${r.counts.update} | ${bold(r.counts.replace)} | ${bold(r.counts.delete)} | ${usd(r.cost.monthlyUsd)} | ${builds} |`;
    }),
    "",
  ];
  for (const failure of failures) {
    lines.push(`## ${failure.environment}: **the plan failed**`, "", "```text", failure.error.trim(), "```", "");
  }
  for (const review of reviews) lines.push(environmentMarkdown(review));
  return lines.join("\n");
}
