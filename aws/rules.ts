/**
 * What AWS (and this project) accepts for the values constructs take, as
 * checks that return the problem in words, or undefined. The constructs call
 * them on their props and throw with their path; the config calls the same
 * ones and reports the file and field. No cdktf here.
 */
import { isPrivate, parseCidr } from "./cidr";
import { KNOWN_REGIONS } from "./regions";

/** The CodeBuild compute types the stacks offer (Linux containers). */
export const COMPUTE_TYPES = ["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE", "BUILD_GENERAL1_XLARGE", "BUILD_GENERAL1_2XLARGE"] as const;
export type ComputeType = (typeof COMPUTE_TYPES)[number];

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
export type LogRetentionDays = (typeof LOG_RETENTION_DAYS)[number];

/** At most this many availability zones (one public and one private subnet each). */
export const MAX_AVAILABILITY_ZONES = 6;

export type Problem = string | undefined;

/** A value's shape, as a pattern (which the JSON Schema publishes too) and what to say when it does not match. */
export interface Shape {
  readonly pattern: RegExp;
  readonly expected: string;
}

function problemOf(shape: Shape, value: string): Problem {
  return shape.pattern.test(value) ? undefined : shape.expected;
}

/**
 * CodeBuild pulls the build image itself, anonymously and without the SSM
 * credentials: an image from Docker Hub hits the very limit this project avoids.
 */
export const BUILD_IMAGE: Shape = {
  pattern: /^(aws\/codebuild\/|public\.ecr\.aws\/)[a-z0-9._/-]+:[A-Za-z0-9._-]+$/,
  expected:
    "expected a CodeBuild-curated image (aws/codebuild/...) or an ECR Public image (public.ecr.aws/...): " +
    "CodeBuild pulls the build image itself, anonymously and without the SSM credentials, " +
    "so a Docker Hub image here hits the very limit this project avoids",
};

/** CodeBuild project names: 2 to 150 characters (the log group name it makes must fit too). */
export const PROJECT_NAME: Shape = {
  pattern: /^[A-Za-z0-9][A-Za-z0-9_-]{1,149}$/,
  expected: "expected a CodeBuild project name: letters, digits, - and _, 2 to 150 characters",
};

/**
 * One path component of an ECR repository name, a pull-through cache prefix or an image path, as
 * ECR's API model gives them (RepositoryName and PullThroughCacheRuleRepositoryPrefix in botocore's
 * ecr/2015-09-21; the OCI distribution grammar): lower-case letters and digits separated by one `.`
 * or `_`, by `__`, or by a run of hyphens.
 */
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";

/** Path components separated by `/` (a regular expression's source, unanchored). */
export const REPOSITORY_PATH = `${PATH_COMPONENT}(?:\\/${PATH_COMPONENT})*`;

/** What a repository path allows, in words. */
export const REPOSITORY_PATH_EXPECTED = "lower-case letters and digits, separated by one . or _, by __ or by hyphens, path components separated by /";

/** ECR repository names: ECR allows 256 characters; 200 leave room for prefixes. */
export const REPOSITORY_NAME: Shape = {
  pattern: new RegExp(`^(?=.{2,200}$)${REPOSITORY_PATH}$`),
  expected: `expected an ECR repository name: ${REPOSITORY_PATH_EXPECTED}, 2 to 200 characters`,
};

export function repositoryNameProblem(name: string): Problem {
  return problemOf(REPOSITORY_NAME, name);
}

/** A whole number from `min` to `max`. */
export function wholeNumberProblem(value: number, min: number, max: number): Problem {
  return Number.isInteger(value) && value >= min && value <= max ? undefined : `expected a whole number from ${min} to ${max}`;
}

export const AVAILABILITY_ZONE: Shape = { pattern: /^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, expected: "expected a zone name such as eu-west-1a" };

export function accountIdProblem(accountId: string): Problem {
  return /^\d{12}$/.test(accountId) ? undefined : "expected a 12-digit AWS account id";
}

export function regionProblem(region: string): Problem {
  return KNOWN_REGIONS.includes(region) ? undefined : `expected an AWS region: ${KNOWN_REGIONS.join(", ")}`;
}

export function buildImageProblem(image: string): Problem {
  return problemOf(BUILD_IMAGE, image);
}

export function computeTypeProblem(computeType: string): Problem {
  return (COMPUTE_TYPES as readonly string[]).includes(computeType) ? undefined : `expected one of ${COMPUTE_TYPES.join(", ")}`;
}

export function projectNameProblem(name: string): Problem {
  return problemOf(PROJECT_NAME, name);
}

/** IAM role names: 1 to 64 characters of letters, digits and +=,.@_- */
export function roleNameProblem(name: string): Problem {
  return /^[\w+=,.@-]{1,64}$/.test(name) ? undefined : `expected an IAM role name: 1 to 64 letters, digits and +=,.@_- (got ${name.length} characters)`;
}

export function logRetentionProblem(days: number): Problem {
  return (LOG_RETENTION_DAYS as readonly number[]).includes(days)
    ? undefined
    : `expected one of ${LOG_RETENTION_DAYS.join(", ")} (the retention periods CloudWatch Logs accepts)`;
}

/** A VPC's CIDR block: private, /16 (AWS's largest) to /24 (the subnet layout's smallest). */
export function vpcCidrProblem(text: string): Problem {
  try {
    const cidr = parseCidr(text);
    if (!isPrivate(cidr)) return "must be private (inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)";
    if (cidr.prefix < 16 || cidr.prefix > 24) return "the prefix must be /16 to /24 (AWS allows /16 at most; the subnet layout needs /24 at least)";
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export function availabilityZoneProblem(zone: string): Problem {
  return problemOf(AVAILABILITY_ZONE, zone);
}

export function zoneInRegionProblem(zone: string, region: string): Problem {
  return zone.slice(0, -1) === region ? undefined : `not a zone of ${region}, the environment's region (expected ${region}a, ${region}b, ...)`;
}

/** One to six zones, each a zone of `region`, none twice. */
export function availabilityZonesProblem(zones: readonly string[], region: string): Problem {
  if (zones.length < 1 || zones.length > MAX_AVAILABILITY_ZONES) return `expected 1 to ${MAX_AVAILABILITY_ZONES} zones, got ${zones.length}`;
  for (const zone of zones) {
    const problem = availabilityZoneProblem(zone) ?? zoneInRegionProblem(zone, region);
    if (problem) return `"${zone}": ${problem}`;
  }
  const twice = zones.find((zone, index) => zones.indexOf(zone) !== index);
  return twice ? `"${twice}": listed twice` : undefined;
}

/** The problem `check` finds with a prop's value, naming both: `image "node:20": expected ...`. An unset prop has none. */
export function named<T>(prop: string, value: T | undefined, check: (value: T) => Problem): Problem {
  if (value === undefined) return undefined;
  const problem = check(value);
  return problem && `${prop} ${JSON.stringify(value)}: ${problem}`;
}

/** Throws `Error("<path>: <problems>")` when any check found one: how a construct refuses its props. */
export function refuse(path: string, problems: readonly Problem[]): void {
  const found = problems.filter((problem): problem is string => problem !== undefined);
  if (found.length > 0) throw new Error(`${path}: ${found.join("; ")}`);
}
