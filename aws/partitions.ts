/** What differs between the AWS partitions, for what the stacks use: no AWS call, no cdktf. */

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

/**
 * The audience GitHub's OIDC token must carry for STS in a region's
 * partition: what the CI roles trust and what the workflow passes to
 * `aws-actions/configure-aws-credentials` as `audience`.
 */
export function stsAudience(region: string): string {
  return `sts.${PARTITION_FACTS[partitionOf(region)].urlSuffix}`;
}
