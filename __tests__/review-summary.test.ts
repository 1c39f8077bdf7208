/**
 * The review's summary and markdown, on small hand-written plans (what
 * `terraform show -json` gives, trimmed to what the review reads): counts,
 * forgets, costs at the region's prices, the pull budget, and what the page
 * says first. plan-review.test.ts runs the same code on real plans.
 */
import { Environment } from "../config";
import { environmentMarkdown } from "../review/markdown";
import { estimateCost, plural, pullBudget, summarize, terraformSummaryLine, whatStays } from "../review/summary";
import { PlanJson } from "../terraform";
import { environmentFrom, merge, minimalFile } from "./support/environments";

type Action = "create" | "update" | "delete" | "no-op" | "read" | "forget";

/** A plan with these changes, and these resources in its planned values. */
function plan(changes: [address: string, actions: Action[]][], resources: { type: string; values?: Record<string, unknown> }[] = []): PlanJson {
  return {
    resource_changes: changes.map(([address, actions]) => {
      const [type, name] = address.split(".");
      return { address, type, name, change: { actions, after: null } };
    }),
    planned_values: { root_module: { resources: resources.map((r, i) => ({ address: `${r.type}.r${i}`, type: r.type, values: r.values ?? {} })) } },
    configuration: {},
    errored: false,
  };
}

const environment = (patch: Record<string, unknown> = {}): Environment => environmentFrom(merge(minimalFile(), patch), "test");

describe("summarize: what the plan does, counted as Terraform counts it", () => {
  const changes = plan([
    ["aws_vpc.network", ["create"]],
    ["aws_subnet.private", ["create"]],
    ["aws_iam_role_policy.build", ["update"]],
    ["aws_ecr_repository.images", ["delete", "create"]],
    ["aws_nat_gateway.old", ["delete"]],
    ["aws_eip.egress_ip_0", ["forget"]],
    ["aws_iam_role.build", ["no-op"]],
    ["data.aws_caller_identity.current", ["read"]],
  ]);
  const review = summarize(environment(), changes, { source: "recorded", where: "terraform.test.tfstate" }, "Plan: 3 to add, 1 to change, 2 to destroy, 1 to forget.");

  test("counts each action once; a delete-and-create is a replacement; no-ops and reads are not changes", () => {
    expect(review.counts).toEqual({ create: 2, update: 1, delete: 1, replace: 1, forget: 1 });
    expect(review.changes.map((c) => c.address)).not.toContain("aws_iam_role.build");
    expect(review.terraformSays).toBe("Plan: 3 to add, 1 to change, 2 to destroy, 1 to forget.");
  });

  test("lists what is destroyed, replaced and forgotten, and says what a forget leaves in AWS", () => {
    expect(review.destroyed).toEqual(["aws_nat_gateway.old"]);
    expect(review.replaced).toEqual(["aws_ecr_repository.images"]);
    expect(review.forgotten).toEqual(["aws_eip.egress_ip_0"]);
    expect(whatStays("aws_eip.egress_ip_0")).toBe("an Elastic IP others may have allow-listed");
    expect(whatStays("aws_vpc.network")).toBeUndefined();
  });

  test("the page opens with the destroys and replacements, then the forgets, in bold, then where the state came from", () => {
    const lines = environmentMarkdown(review).split("\n");
    expect(lines[0]).toBe("## test: authenticated (account 123456789012, eu-west-1)");
    expect(lines[2]).toBe("**:warning: 1 to destroy, 1 to replace. Read these before approving:**");
    expect(lines).toContain("- **destroy `aws_nat_gateway.old`**");
    expect(lines).toContain("- **replace `aws_ecr_repository.images`** (destroyed, then created again)");
    expect(lines).toContain("- **forget `aws_eip.egress_ip_0`** (an Elastic IP others may have allow-listed)");
    const firstTable = lines.findIndex((line) => line.startsWith("|"));
    expect(lines.findIndex((line) => line.startsWith("- **forget"))).toBeLessThan(firstTable);
  });

  test("planned from empty state with a remote backend: the page says first that destroys and forgets cannot show", () => {
    const blind = summarize(environment(), plan([["aws_vpc.network", ["create"]]]), { source: "unavailable", where: "s3://bucket/key" });
    const page = environmentMarkdown(blind);
    expect(page.split("\n")[2]).toMatch(/planned from EMPTY state/);
    expect(page).toMatch(/destroys, replacements and forgets CANNOT show/);
  });

  test("Terraform's summary line is found in its output, or said to be missing", () => {
    expect(terraformSummaryLine("...\nNo changes. Your infrastructure matches the configuration.\n")).toBe("No changes. Your infrastructure matches the configuration.");
    expect(terraformSummaryLine("Error: something")).toBe("(no summary line)");
  });
});

describe("estimateCost: what the environment holds after the plan, at its region's prices", () => {
  const natPlan = plan([], [{ type: "aws_nat_gateway" }, { type: "aws_nat_gateway" }, { type: "aws_vpc_endpoint", values: { vpc_endpoint_type: "Interface" } }]);

  test("two NAT gateways in us-east-1: hours, data and public IPv4 at $0.045, $0.045 and $0.005", () => {
    const cost = estimateCost(environment({ region: "us-east-1", strategy: "fixed-ip", network: { natGateways: "per-az", availabilityZones: ["us-east-1a", "us-east-1b"] } }), natPlan);
    const item = (name: string) => cost.items.find((i) => i.item.startsWith(name));
    expect(item("NAT gateway hours")).toMatchObject({ quantity: 1460, unit: "hour", unitPriceUsd: 0.045, monthlyUsd: 65.7 });
    expect(item("NAT gateway data")).toMatchObject({ quantity: 100, unitPriceUsd: 0.045, monthlyUsd: 4.5 });
    expect(item("Public IPv4")).toMatchObject({ quantity: 1460, unitPriceUsd: 0.005, monthlyUsd: 7.3 });
    expect(item("Interface VPC endpoints")).toMatchObject({ quantity: 1460, unitPriceUsd: 0.01 });
    expect(cost.unpriced).toEqual([]);
  });

  test("the same plan in eu-west-1 costs eu-west-1's $0.048 an hour", () => {
    const cost = estimateCost(environment({ strategy: "fixed-ip" }), natPlan);
    expect(cost.items.find((i) => i.item === "NAT gateway hours")?.unitPriceUsd).toBe(0.048);
    expect(cost.notes[0]).toMatch(/^eu-west-1 list prices in USD/);
  });

  test("nothing with a monthly price of its own: no items but the credentials' free parameters", () => {
    const cost = estimateCost(environment(), plan([]));
    expect(cost.items.map((i) => [i.item, i.monthlyUsd])).toEqual([["SSM standard parameters", 0]]);
    expect(cost.monthlyUsd).toBe(0);
  });
});

describe("pullBudget: builds per 6 hours within Docker Hub's limit", () => {
  test("authenticated on a free account: the account's 200, at 10 pulls a build", () => {
    expect(pullBudget(environment())).toMatchObject({ limitPer6h: 200, buildsPer6h: 20, countedPer: "the Docker Hub account" });
  });

  test("fixed-ip with a NAT gateway per zone: 100 per address, for each address", () => {
    const budget = pullBudget(environment({ strategy: "fixed-ip", network: { natGateways: "per-az", availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"] } }));
    expect(budget).toMatchObject({ limitPer6h: 300, buildsPer6h: 30 });
  });

  test("the limits come from config", () => {
    expect(pullBudget(environment({ estimates: { dockerHubLimits: { personalPer6h: 400 }, pullsPerBuild: 8 } }))).toMatchObject({ limitPer6h: 400, buildsPer6h: 50 });
  });

  test("a mirror: not limited by the number of builds", () => {
    expect(pullBudget(environment({ strategy: "mirror" }))).toMatchObject({ limitPer6h: null, buildsPer6h: null });
  });
});

test("plural", () => {
  expect([plural(1, "change"), plural(3, "change"), plural(2, "address", "addresses")]).toEqual(["1 change", "3 changes", "2 addresses"]);
});
