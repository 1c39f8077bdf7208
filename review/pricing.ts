/**
 * The list prices the plan review estimates with (us-east-1, USD), from the
 * project's design notes. Estimates, not a bill: other regions differ a little,
 * and CodeBuild minutes and data transfer out are not counted.
 */
export const PRICES_USD = {
  /** NAT gateway, per hour. */
  natGatewayHour: 0.045,
  /** NAT gateway, per GB processed. */
  natGatewayGb: 0.045,
  /** Public IPv4 address (an Elastic IP, attached or not), per hour. */
  publicIpv4Hour: 0.005,
  /** Interface VPC endpoint, per zone, per hour. */
  interfaceEndpointHour: 0.01,
  /** Secrets Manager secret, per month. */
  secretMonth: 0.4,
  /** Customer managed KMS key, per month. */
  kmsKeyMonth: 1,
  /** ECR storage, per GB-month (same-region pulls are free). */
  ecrStorageGbMonth: 0.1,
  /** SSM Parameter Store standard parameter, per month. */
  ssmStandardParameterMonth: 0,
} as const;

export const HOURS_PER_MONTH = 730;

/** Docker Hub's pull limits per 6 hours (DESIGN.md); undefined where there is none. */
export const DOCKER_HUB_LIMITS_PER_6H = {
  /** Anonymous, per source IPv4 address (or IPv6 /64). */
  anonymousPerIp: 100,
  /** A free Personal account, per account. */
  personal: 200,
} as const;
