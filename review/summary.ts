/**
 * What a reviewer needs from one environment's plan: how many resources are
 * created, updated, replaced, deleted (and which ones are destroyed), what
 * the environment will cost a month, and how many builds fit in Docker
 * Hub's limit with its strategy.
 */
import { Environment, uses } from "../config/environment";
import { DOCKER_HUB_LIMITS_PER_6H, HOURS_PER_MONTH, PRICES_USD } from "./pricing";
import { PlanJson } from "../terraform/plan-json";

export interface ChangeCounts {
  readonly create: number;
  readonly update: number;
  readonly delete: number;
  readonly replace: number;
  /** Resources Terraform stops managing and leaves in AWS (`removed` blocks). */
  readonly forget: number;
}

export interface CostItem {
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly unitPriceUsd: number;
  readonly monthlyUsd: number;
}

export interface PullBudget {
  /** Docker Hub's limit that applies, per 6 hours; null when none binds the builds. */
  readonly limitPer6h: number | null;
  readonly countedPer: string;
  readonly pullsPerBuild: number;
  /** Builds per 6 hours that fit in the limit; null when Docker Hub pulls do not grow with builds. */
  readonly buildsPer6h: number | null;
  readonly explanation: string;
}

export interface EnvironmentReview {
  readonly environment: string;
  readonly account: string;
  readonly region: string;
  readonly strategies: readonly string[];
  /** "offline": fake credentials, no refresh; "online": the account's real state. */
  readonly mode: "offline" | "online";
  readonly counts: ChangeCounts;
  /** Terraform's own one-line summary of the same plan ("Plan: 8 to add, 0 to change, 0 to destroy."), to check the counts against. */
  readonly terraformSays: string;
  readonly destroyed: readonly string[];
  readonly replaced: readonly string[];
  readonly forgotten: readonly string[];
  readonly changes: readonly { readonly address: string; readonly action: string }[];
  readonly cost: { readonly monthlyUsd: number; readonly items: readonly CostItem[]; readonly notes: readonly string[] };
  readonly pullBudget: PullBudget;
}

/** How Terraform's action lists read in a review. */
function actionOf(actions: readonly string[]): string {
  if (actions.includes("delete") && actions.includes("create")) return "replace";
  return actions[0] ?? "no-op";
}

/** Terraform's summary line in its plan output. */
export function terraformSummaryLine(output: string): string {
  return /^(Plan: .*|No changes\..*)$/m.exec(output)?.[1].trim() ?? "(no summary line)";
}

export function summarize(environment: Environment, plan: PlanJson, mode: "offline" | "online", planOutput = ""): EnvironmentReview {
  const changes = (plan.resource_changes ?? [])
    .map((change) => ({ address: change.address, action: actionOf(change.change.actions) }))
    .filter((change) => change.action !== "no-op" && change.action !== "read");
  const addresses = (action: string) => changes.filter((c) => c.action === action).map((c) => c.address);
  const count = (action: string) => addresses(action).length;
  return {
    environment: environment.name,
    account: environment.accountId,
    region: environment.region,
    strategies: environment.strategies,
    mode,
    counts: { create: count("create"), update: count("update"), delete: count("delete"), replace: count("replace"), forget: count("forget") },
    terraformSays: terraformSummaryLine(planOutput),
    destroyed: addresses("delete"),
    replaced: addresses("replace"),
    forgotten: addresses("forget"),
    changes,
    cost: estimateCost(environment, plan),
    pullBudget: pullBudget(environment),
  };
}

/** The monthly cost of what the environment holds after this plan, itemized. */
export function estimateCost(environment: Environment, plan: PlanJson): EnvironmentReview["cost"] {
  const resources = plan.planned_values.root_module.resources ?? [];
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  const items: CostItem[] = [];
  const add = (item: string, quantity: number, unit: string, unitPriceUsd: number) => {
    if (quantity > 0) items.push({ item, quantity, unit, unitPriceUsd, monthlyUsd: round(quantity * unitPriceUsd) });
  };
  const natGateways = ofType("aws_nat_gateway").length;
  add("NAT gateway hours", natGateways * HOURS_PER_MONTH, "hour", PRICES_USD.natGatewayHour);
  if (natGateways > 0) add("NAT gateway data processed (estimate)", environment.estimates.natDataGbPerMonth, "GB", PRICES_USD.natGatewayGb);
  // Every NAT gateway holds one public IPv4 address, the stack's Elastic IP or yours.
  add("Public IPv4 addresses (the NAT gateways' Elastic IPs)", natGateways * HOURS_PER_MONTH, "address-hour", PRICES_USD.publicIpv4Hour);
  const zones = environment.network.vpc === "new" ? environment.network.availabilityZones.length : 0;
  const interfaceEndpoints = ofType("aws_vpc_endpoint").filter((e) => e.values.vpc_endpoint_type === "Interface").length;
  add("Interface VPC endpoints (per zone)", interfaceEndpoints * zones * HOURS_PER_MONTH, "endpoint-hour", PRICES_USD.interfaceEndpointHour);
  add("Secrets Manager secrets", ofType("aws_secretsmanager_secret").length, "secret", PRICES_USD.secretMonth);
  const keys = new Set(
    [environment.dockerHub.kmsKeyArn, environment.mirror.registry === "own" ? environment.mirror.kmsKeyArn : undefined].filter(
      (key): key is string => key !== undefined,
    ),
  );
  add("Customer managed KMS keys used (yours, billed once however many stacks use them)", keys.size, "key", PRICES_USD.kmsKeyMonth);
  if (ofType("aws_ecr_pull_through_cache_rule").length > 0 && environment.mirror.registry === "own") {
    add("ECR storage for the mirror (estimate)", environment.estimates.mirrorStorageGb, "GB-month", PRICES_USD.ecrStorageGbMonth);
  }
  // The credentials' parameters are stored outside Terraform's resources: count them from the strategy.
  add("SSM standard parameters", uses(environment, "authenticated") ? 2 : 0, "parameter", PRICES_USD.ssmStandardParameterMonth);
  return {
    monthlyUsd: round(items.reduce((sum, item) => sum + item.monthlyUsd, 0)),
    items,
    notes: [
      `us-east-1 list prices; ${HOURS_PER_MONTH} hours a month.`,
      "Not counted: CodeBuild build minutes, data transfer out, ECR storage of the images the builds push.",
    ],
  };
}

/** How many builds per 6 hours fit in Docker Hub's limit, with this environment's strategies. */
export function pullBudget(environment: Environment): PullBudget {
  const pullsPerBuild = environment.estimates.pullsPerBuild;
  const builds = (limit: number) => (pullsPerBuild === 0 ? null : Math.floor(limit / pullsPerBuild));
  if (uses(environment, "mirror")) {
    return {
      limitPer6h: null,
      countedPer: "the mirror's Docker Hub account",
      pullsPerBuild,
      buildsPer6h: null,
      explanation:
        "Builds pull from the ECR mirror. A warm mirror re-checks each cached tag upstream at most about once per 24 hours, " +
        "so Docker Hub pulls do not grow with the number of builds.",
    };
  }
  if (uses(environment, "authenticated")) {
    if (environment.estimates.dockerHubPlan !== "personal") {
      return {
        limitPer6h: null,
        countedPer: "the Docker Hub account",
        pullsPerBuild,
        buildsPer6h: null,
        explanation: `A ${environment.estimates.dockerHubPlan} Docker Hub plan has no pull limit (fair use).`,
      };
    }
    const limit = DOCKER_HUB_LIMITS_PER_6H.personal;
    return {
      limitPer6h: limit,
      countedPer: "the Docker Hub account",
      pullsPerBuild,
      buildsPer6h: builds(limit),
      explanation: `Authenticated pulls count against the account: ${limit} per 6 hours on a free Personal account, shared by every build that logs in with it.`,
    };
  }
  // Otherwise the strategy is fixed-ip alone: every environment has at least one strategy.
  const addresses =
    environment.network.vpc === "new"
      ? environment.network.natGateways === "single"
        ? 1
        : environment.network.availabilityZones.length
      : 1;
  const limit = DOCKER_HUB_LIMITS_PER_6H.anonymousPerIp * addresses;
  return {
    limitPer6h: limit,
    countedPer: `the egress address${addresses === 1 ? "" : "es"} (${addresses}, used by these builds only)`,
    pullsPerBuild,
    buildsPer6h: builds(limit),
    explanation:
      `Anonymous pulls count per source address: ${DOCKER_HUB_LIMITS_PER_6H.anonymousPerIp} per 6 hours for each of ${addresses} NAT address${addresses === 1 ? "" : "es"} nobody else uses` +
      (environment.network.vpc === "existing" ? " (your own network: assumed one address)." : "."),
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
