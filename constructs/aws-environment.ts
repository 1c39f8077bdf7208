import { IConstruct } from "constructs";

/**
 * The AWS account and region a stack deploys into.
 *
 * The constructs build ARNs from these values instead of reading them from
 * AWS (no data source), so a plan shows every IAM policy in full, and the
 * whole project synthesizes and plans offline.
 */
export interface AwsEnvironment {
  /** The 12-digit AWS account id. */
  readonly accountId: string;
  /** The region, e.g. `eu-west-1`. */
  readonly region: string;
}

/** An {@link AwsEnvironment} with the values derived from the region. */
export interface ResolvedAwsEnvironment extends AwsEnvironment {
  /** The ARN partition: `aws`, `aws-cn` or `aws-us-gov`. */
  readonly partition: Partition;
  /** The DNS suffix of service endpoints: `amazonaws.com` or `amazonaws.com.cn`. */
  readonly urlSuffix: string;
}

/**
 * Regions the pinned AWS provider (hashicorp/aws 5.100.0) accepts. A region
 * outside this list fails in `terraform plan`; we fail earlier, at synth.
 */
export const KNOWN_REGIONS: readonly string[] = [
  "af-south-1",
  "ap-east-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-south-1",
  "ap-south-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-7",
  "ca-central-1",
  "ca-west-1",
  "cn-north-1",
  "cn-northwest-1",
  "eu-central-1",
  "eu-central-2",
  "eu-north-1",
  "eu-south-1",
  "eu-south-2",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "il-central-1",
  "me-central-1",
  "me-south-1",
  "mx-central-1",
  "sa-east-1",
  "us-east-1",
  "us-east-2",
  "us-gov-east-1",
  "us-gov-west-1",
  "us-west-1",
  "us-west-2",
];

/**
 * Two zones to use when config names none. Zone names map to different
 * physical zones per account, and a few names do not exist in every account
 * (ap-northeast-1b, us-west-1a for newer accounts): list yours with
 * `aws ec2 describe-availability-zones` and set them in config.
 */
export function defaultAvailabilityZones(region: string): string[] {
  const letters: Record<string, [string, string]> = { "ap-northeast-1": ["a", "c"], "us-west-1": ["b", "c"] };
  return (letters[region] ?? ["a", "b"]).map((letter) => `${region}${letter}`);
}

const CONTEXT_KEY = "docker-pulls:aws-environment";

/** Where a construct tree deploys: set once on a stack, read by every construct below it. */
export const AwsEnvironments = {
  /**
   * Records the account and region for every construct under `scope`.
   * Call it first thing in a stack's constructor (before adding children).
   */
  use(scope: IConstruct, environment: AwsEnvironment): void {
    scope.node.setContext(CONTEXT_KEY, { accountId: environment.accountId, region: environment.region });
  },

  /** The account and region recorded on `scope` or one of its parents. */
  of(scope: IConstruct): ResolvedAwsEnvironment {
    const environment = scope.node.tryGetContext(CONTEXT_KEY) as AwsEnvironment | undefined;
    if (!environment) {
      throw new Error(
        `${scope.node.path}: no AWS environment is set. Call AwsEnvironments.use(stack, { accountId, region }) ` +
          "in your stack's constructor before creating this construct (DockerPullStack does it for you).",
      );
    }
    return resolve(environment);
  },
};

function resolve(environment: AwsEnvironment): ResolvedAwsEnvironment {
  const partition = partitionOf(environment.region);
  return { ...environment, partition, urlSuffix: PARTITION_FACTS[partition].urlSuffix };
}

/** The AWS partitions: ARNs and endpoints differ between them, and so do the services offered. */
export type Partition = "aws" | "aws-cn" | "aws-us-gov";

/** The partition a region belongs to. */
export function partitionOf(region: string): Partition {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** What differs by partition, for what the stacks use. */
export const PARTITION_FACTS: Readonly<
  Record<Partition, { readonly urlSuffix: string; readonly codePipeline: boolean; readonly repositoryCreationTemplates: boolean }>
> = {
  aws: { urlSuffix: "amazonaws.com", codePipeline: true, repositoryCreationTemplates: true },
  // CodePipeline is not offered in Beijing and Ningxia (Getting Started with AWS in China: CodeBuild).
  "aws-cn": { urlSuffix: "amazonaws.com.cn", codePipeline: false, repositoryCreationTemplates: false },
  "aws-us-gov": { urlSuffix: "amazonaws.com", codePipeline: true, repositoryCreationTemplates: false },
};

/**
 * A VPC endpoint's service name. In China most interface endpoints are
 * `cn.com.amazonaws.<region>.<service>` (ECR's among them; CloudWatch Logs'
 * is not), gateway endpoints keep `com.amazonaws` (the list AWS CDK keeps,
 * from `aws ec2 describe-vpc-endpoint-services`).
 */
export function vpcEndpointServiceName(region: string, service: "s3" | "ecr.api" | "ecr.dkr" | "logs", type: "Gateway" | "Interface"): string {
  const chinaPrefixed = partitionOf(region) === "aws-cn" && type === "Interface" && ["s3", "ecr.api", "ecr.dkr"].includes(service);
  return `${chinaPrefixed ? "cn.com.amazonaws" : "com.amazonaws"}.${region}.${service}`;
}

/** The parts of an ARN: `arn:<partition>:<service>:<region>:<account>:<resource>`. */
export interface ArnParts {
  /** The service namespace, e.g. `ssm`. */
  readonly service: string;
  /** Everything after the account, e.g. `parameter/team/token`. */
  readonly resource: string;
  /** @default - the environment's region; `""` for global services such as IAM and S3 */
  readonly region?: string;
  /** @default - the environment's account; `""` for S3 */
  readonly accountId?: string;
}

/** Builds an ARN in the account and region of `scope`. */
export function formatArn(scope: IConstruct, parts: ArnParts): string {
  const environment = AwsEnvironments.of(scope);
  const region = parts.region ?? environment.region;
  const accountId = parts.accountId ?? environment.accountId;
  return `arn:${environment.partition}:${parts.service}:${region}:${accountId}:${parts.resource}`;
}
