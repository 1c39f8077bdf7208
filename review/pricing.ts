/**
 * The list prices the plan review estimates with: per region, in USD, from
 * `prices.json` (where each number comes from: PRICES.md). A price the
 * table does not have is `null`, and the review says so rather than guess.
 * Estimates, not a bill: CodeBuild minutes and data transfer out are not counted.
 */
import PRICE_LIST from "./prices.json";

/** What the review prices. */
export interface RegionPrices {
  /** NAT gateway, per hour. */
  readonly natGatewayHour: number | null;
  /** NAT gateway, per GB processed. */
  readonly natGatewayGb: number | null;
  /** Public IPv4 address (an Elastic IP, attached or not), per hour. */
  readonly publicIpv4Hour: number | null;
  /** Interface VPC endpoint, per zone, per hour. */
  readonly interfaceEndpointHour: number | null;
  /** Secrets Manager secret, per month. */
  readonly secretMonth: number | null;
  /** Customer managed KMS key, per month. */
  readonly kmsKeyMonth: number | null;
  /** ECR storage, per GB-month (same-region pulls are free). */
  readonly ecrStorageGbMonth: number | null;
}

/** Where the prices come from and when they were read, for the review's notes. */
export const PRICE_SOURCE = { retrieved: PRICE_LIST.retrieved, source: PRICE_LIST.source } as const;

/** SSM Parameter Store standard parameters cost nothing in every region. */
export const SSM_STANDARD_PARAMETER_MONTH = 0;

export const HOURS_PER_MONTH = 730;

/** The region's prices; every one null for a region the table does not know. */
export function pricesFor(region: string): RegionPrices {
  const prices = (PRICE_LIST.regions as Record<string, RegionPrices | undefined>)[region];
  return (
    prices ?? {
      natGatewayHour: null,
      natGatewayGb: null,
      publicIpv4Hour: null,
      interfaceEndpointHour: null,
      secretMonth: null,
      kmsKeyMonth: null,
      ecrStorageGbMonth: null,
    }
  );
}

/** The regions the table has a row for. */
export function pricedRegions(): string[] {
  return Object.keys(PRICE_LIST.regions);
}
