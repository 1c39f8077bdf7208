/**
 * What a reviewer needs from one environment's plan: how many resources are
 * created, updated, replaced, deleted (and which ones are destroyed), what
 * the environment will cost a month, and how many builds fit in Docker
 * Hub's limit with its strategy.
 */
import { Environment, usesStrategy } from "../config/environment";
import { LEGACY, RETAINED } from "../stacks/retained";
import { PlanJson } from "../terraform/plan-json";
import { HOURS_PER_MONTH, PRICE_SOURCE, pricesFor, SSM_STANDARD_PARAMETER_MONTH } from "./pricing";

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
  /** The region's list price; null when the price table has none for the region. */
  readonly unitPriceUsd: number | null;
  /** null when the unit price is unknown: not in the total. */
  readonly monthlyUsd: number | null;
}

/**
 * What the plan was made against:
 * - `refreshed`: the real backend's state, refreshed against AWS (with credentials);
 * - `recorded`: the state file the local backend recorded, not refreshed (offline);
 * - `none`: no state recorded yet (local backend, no file): planned as a first deploy;
 * - `unavailable`: offline with a remote backend: planned from empty state, so
 *   destroys, replacements and forgets cannot show.
 */
export type StateSource = "refreshed" | "recorded" | "none" | "unavailable";

export interface PlannedFrom {
  readonly source: StateSource;
  /** Where the state is, in words: "s3://bucket/key", "terraform.dev.tfstate". */
  readonly where: string;
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
  /** What the plan was made against (see StateSource). */
  readonly plannedFrom: PlannedFrom;
  readonly counts: ChangeCounts;
  /** Terraform's own one-line summary of the same plan ("Plan: 8 to add, 0 to change, 0 to destroy."), to check the counts against. */
  readonly terraformSays: string;
  readonly destroyed: readonly string[];
  readonly replaced: readonly string[];
  readonly forgotten: readonly string[];
  readonly changes: readonly { readonly address: string; readonly action: string }[];
  readonly cost: {
    /** The total of the items with a price. */
    readonly monthlyUsd: number;
    readonly items: readonly CostItem[];
    /** Items the price table has no price for in this region (not in the total). */
    readonly unpriced: readonly string[];
    readonly notes: readonly string[];
  };
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

export function summarize(environment: Environment, plan: PlanJson, plannedFrom: PlannedFrom, planOutput = ""): EnvironmentReview {
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
    plannedFrom,
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

/** The monthly cost of what the environment holds after this plan, itemized, at the region's list prices. */
export function estimateCost(environment: Environment, plan: PlanJson): EnvironmentReview["cost"] {
  const prices = pricesFor(environment.region);
  const resources = plan.planned_values.root_module.resources ?? [];
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  const items: CostItem[] = [];
  const add = (item: string, quantity: number, unit: string, unitPriceUsd: number | null) => {
    if (quantity > 0) items.push({ item, quantity, unit, unitPriceUsd, monthlyUsd: unitPriceUsd === null ? null : round(quantity * unitPriceUsd) });
  };
  const natGateways = ofType("aws_nat_gateway").length;
  add("NAT gateway hours", natGateways * HOURS_PER_MONTH, "hour", prices.natGatewayHour);
  if (natGateways > 0) add("NAT gateway data processed (estimate)", environment.estimates.natDataGbPerMonth, "GB", prices.natGatewayGb);
  // Every NAT gateway holds one public IPv4 address, the stack's Elastic IP or yours.
  add("Public IPv4 addresses (the NAT gateways' Elastic IPs)", natGateways * HOURS_PER_MONTH, "address-hour", prices.publicIpv4Hour);
  const zones = environment.network.vpc === "new" ? environment.network.availabilityZones.length : 0;
  const interfaceEndpoints = ofType("aws_vpc_endpoint").filter((e) => e.values.vpc_endpoint_type === "Interface").length;
  add("Interface VPC endpoints (per zone)", interfaceEndpoints * zones * HOURS_PER_MONTH, "endpoint-hour", prices.interfaceEndpointHour);
  add("Secrets Manager secrets", ofType("aws_secretsmanager_secret").length, "secret", prices.secretMonth);
  const keys = new Set(
    [environment.dockerHub.kmsKeyArn, environment.mirror.registry === "own" ? environment.mirror.kmsKeyArn : undefined].filter(
      (key): key is string => key !== undefined,
    ),
  );
  add("Customer managed KMS keys used (yours, billed once however many stacks use them)", keys.size, "key", prices.kmsKeyMonth);
  if (ofType("aws_ecr_pull_through_cache_rule").length > 0 && environment.mirror.registry === "own") {
    add("ECR storage for the mirror (estimate)", environment.estimates.mirrorStorageGb, "GB-month", prices.ecrStorageGbMonth);
  }
  // The credentials' parameters are stored outside Terraform's resources: count them from the strategy.
  add("SSM standard parameters", usesStrategy(environment, "authenticated") ? 2 : 0, "parameter", SSM_STANDARD_PARAMETER_MONTH);
  const unpriced = items.filter((item) => item.unitPriceUsd === null).map((item) => item.item);
  return {
    monthlyUsd: round(items.reduce((sum, item) => sum + (item.monthlyUsd ?? 0), 0)),
    items,
    unpriced,
    notes: [
      `${environment.region} list prices in USD, read ${PRICE_SOURCE.retrieved} (review/PRICES.md says from where); ${HOURS_PER_MONTH} hours a month.`,
      ...(unpriced.length > 0 ? [`No ${environment.region} price for: ${unpriced.join("; ")}. Not in the total.`] : []),
      "Not counted: CodeBuild build minutes, data transfer out, ECR storage of the images the builds push.",
    ],
  };
}

/** How many builds per 6 hours fit in Docker Hub's limit, with this environment's strategies. */
export function pullBudget(environment: Environment): PullBudget {
  const pullsPerBuild = environment.estimates.pullsPerBuild;
  const builds = (limit: number) => (pullsPerBuild === 0 ? null : Math.floor(limit / pullsPerBuild));
  if (usesStrategy(environment, "mirror")) {
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
  if (usesStrategy(environment, "authenticated")) {
    if (environment.estimates.dockerHubPlan !== "personal") {
      return {
        limitPer6h: null,
        countedPer: "the Docker Hub account",
        pullsPerBuild,
        buildsPer6h: null,
        explanation: `A ${environment.estimates.dockerHubPlan} Docker Hub plan has no pull limit (fair use).`,
      };
    }
    const limit = environment.estimates.dockerHubLimits.personalPer6h;
    return {
      limitPer6h: limit,
      countedPer: "the Docker Hub account",
      pullsPerBuild,
      buildsPer6h: builds(limit),
      explanation:
        `Authenticated pulls count against the account: ${limit} per 6 hours on a free Personal account (estimates.dockerHubLimits), ` +
        "shared by every build that logs in with it.",
    };
  }
  // Otherwise the strategy is fixed-ip alone: every environment has at least one strategy.
  const addresses =
    environment.network.vpc === "new"
      ? environment.network.natGateways === "single"
        ? 1
        : environment.network.availabilityZones.length
      : 1;
  const perAddress = environment.estimates.dockerHubLimits.anonymousPer6h;
  const limit = perAddress * addresses;
  return {
    limitPer6h: limit,
    countedPer: `the egress ${addresses === 1 ? "address" : "addresses"} (${addresses}, used by these builds only)`,
    pullsPerBuild,
    buildsPer6h: builds(limit),
    explanation:
      `Anonymous pulls count per source address: ${perAddress} per 6 hours (estimates.dockerHubLimits) for each of ${plural(addresses, "NAT address", "NAT addresses")} nobody else uses` +
      (environment.network.vpc === "existing" ? " (your own network: assumed one address)." : "."),
  };
}

const address = (resource: { type: string; name: string }) => `${resource.type}.${resource.name}`;

/** What stays in AWS when Terraform forgets these addresses, in words. */
const STAYS: readonly [(forgotten: string) => boolean, string][] = [
  [(a) => a.startsWith("aws_eip."), "an Elastic IP others may have allow-listed"],
  [(a) => a === address(LEGACY.dockerHubParameters[1]), "the SSM parameter holding the Docker Hub token"],
  [(a) => a === address(LEGACY.dockerHubParameters[0]), "the SSM parameter holding the Docker Hub username"],
  [(a) => a === address(RETAINED.credentialsStore), "the record that stored the Docker Hub credentials in SSM; they stay there"],
  [(a) => a === address(RETAINED.mirrorSecret), "the mirror's Docker Hub credentials, in Secrets Manager"],
  [(a) => a === address(RETAINED.mirrorSecretStore), "the record that stored the mirror's first credentials; the secret keeps them"],
  [(a) => a.startsWith(`${address(RETAINED.mirrorPinned.repository)}[`), "a pinned mirror repository, with its images"],
  [(a) => a.startsWith(`${address(RETAINED.mirrorPinned.lifecyclePolicy)}[`), "a pinned repository's lifecycle policy"],
  [(a) => a.startsWith(`${address(RETAINED.mirrorPinned.repositoryPolicy)}[`), "a pinned repository's policy (who may pull)"],
  [(a) => a === address(RETAINED.imageRepository.repository), "the repository of the images the builds pushed"],
  [(a) => a === address(RETAINED.registryScanning), "the registry's scanning configuration (deleting it would reset the registry)"],
  [(a) => a === address(RETAINED.registryPolicy), "the registry policy, with the account's own statements"],
];

/** What a forgotten address leaves in AWS, for the review; undefined when there is nothing to add. */
export function whatStays(forgotten: string): string | undefined {
  return STAYS.find(([matches]) => matches(forgotten))?.[1];
}

/** "1 change", "3 changes": a count with its noun, singular or plural. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
