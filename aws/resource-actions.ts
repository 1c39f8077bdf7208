/**
 * What the Terraform AWS provider (5.100) calls for each resource type this
 * project's stacks hold, as IAM actions: `read` for a refresh (and the read
 * after every write), `write` for create, update and delete. The CI roles'
 * policies are generated from this table and the resource types a stack
 * holds; a test fails when a stack holds a type missing here.
 *
 * `sts:GetCallerIdentity` (the provider's account check) needs no permission.
 */

export interface ResourceActions {
  /** The IAM service prefix the actions belong to. */
  readonly service: string;
  /** Refresh: everything the provider reads. Read-only by definition: no action here changes anything. */
  readonly read: readonly string[];
  /** Create, update, delete, tag. */
  readonly write: readonly string[];
}

const ec2 = (read: readonly string[], write: readonly string[]): ResourceActions => ({
  service: "ec2",
  read: read.map((a) => `ec2:${a}`),
  // Every EC2 resource here is tagged at creation (default tags), and tags change in place.
  write: [...write, "CreateTags", "DeleteTags"].map((a) => `ec2:${a}`),
});

const of = (service: string, read: readonly string[], write: readonly string[]): ResourceActions => ({
  service,
  read: read.map((a) => `${service}:${a}`),
  write: write.map((a) => `${service}:${a}`),
});

export const RESOURCE_ACTIONS: Readonly<Record<string, ResourceActions>> = {
  aws_vpc: ec2(
    // The VPC's read also looks up its default network ACL, route table and security group.
    ["DescribeVpcs", "DescribeVpcAttribute", "DescribeNetworkAcls", "DescribeRouteTables", "DescribeSecurityGroups"],
    ["CreateVpc", "DeleteVpc", "ModifyVpcAttribute"],
  ),
  // Deleting a subnet or security group waits for the network interfaces builds left (CodeBuild's, Lambda-style).
  aws_subnet: ec2(["DescribeSubnets", "DescribeNetworkInterfaces"], ["CreateSubnet", "DeleteSubnet", "ModifySubnetAttribute"]),
  aws_internet_gateway: ec2(["DescribeInternetGateways"], ["CreateInternetGateway", "DeleteInternetGateway", "AttachInternetGateway", "DetachInternetGateway"]),
  aws_eip: ec2(["DescribeAddresses", "DescribeAddressesAttribute"], ["AllocateAddress", "ReleaseAddress", "AssociateAddress", "DisassociateAddress"]),
  aws_nat_gateway: ec2(["DescribeNatGateways"], ["CreateNatGateway", "DeleteNatGateway"]),
  aws_route_table: ec2(["DescribeRouteTables"], ["CreateRouteTable", "DeleteRouteTable", "CreateRoute", "DeleteRoute"]),
  aws_route: ec2(["DescribeRouteTables"], ["CreateRoute", "ReplaceRoute", "DeleteRoute"]),
  aws_route_table_association: ec2(["DescribeRouteTables"], ["AssociateRouteTable", "DisassociateRouteTable", "ReplaceRouteTableAssociation"]),
  aws_security_group: ec2(
    ["DescribeSecurityGroups", "DescribeSecurityGroupRules", "DescribeNetworkInterfaces"],
    // A new group's default allow-all egress rule is revoked at creation.
    ["CreateSecurityGroup", "DeleteSecurityGroup", "RevokeSecurityGroupEgress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress"],
  ),
  aws_vpc_security_group_egress_rule: ec2(["DescribeSecurityGroupRules"], ["AuthorizeSecurityGroupEgress", "RevokeSecurityGroupEgress", "ModifySecurityGroupRules"]),
  aws_vpc_security_group_ingress_rule: ec2(["DescribeSecurityGroupRules"], ["AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress", "ModifySecurityGroupRules"]),
  aws_vpc_endpoint: ec2(
    ["DescribeVpcEndpoints", "DescribePrefixLists", "DescribeVpcEndpointServices"],
    ["CreateVpcEndpoint", "DeleteVpcEndpoints", "ModifyVpcEndpoint"],
  ),
  aws_iam_role: of(
    "iam",
    ["GetRole", "ListRolePolicies", "ListAttachedRolePolicies"],
    // Deleting a role first takes it out of instance profiles; a permissions boundary is set with the role.
    ["CreateRole", "DeleteRole", "UpdateRole", "UpdateRoleDescription", "UpdateAssumeRolePolicy", "TagRole", "UntagRole", "PutRolePermissionsBoundary", "ListInstanceProfilesForRole"],
  ),
  aws_iam_role_policy: of("iam", ["GetRolePolicy"], ["PutRolePolicy", "DeleteRolePolicy"]),
  aws_codebuild_project: of("codebuild", ["BatchGetProjects"], ["CreateProject", "UpdateProject", "DeleteProject"]),
  aws_codebuild_webhook: of("codebuild", ["BatchGetProjects"], ["CreateWebhook", "UpdateWebhook", "DeleteWebhook"]),
  aws_cloudwatch_log_group: of(
    "logs",
    ["DescribeLogGroups", "ListTagsForResource"],
    ["CreateLogGroup", "DeleteLogGroup", "PutRetentionPolicy", "DeleteRetentionPolicy", "TagResource", "UntagResource"],
  ),
  aws_cloudwatch_metric_alarm: of("cloudwatch", ["DescribeAlarms", "ListTagsForResource"], ["PutMetricAlarm", "DeleteAlarms", "TagResource", "UntagResource"]),
  aws_ecr_repository: of(
    "ecr",
    ["DescribeRepositories", "ListTagsForResource"],
    ["CreateRepository", "DeleteRepository", "PutImageScanningConfiguration", "PutImageTagMutability", "TagResource", "UntagResource"],
  ),
  aws_ecr_lifecycle_policy: of("ecr", ["GetLifecyclePolicy"], ["PutLifecyclePolicy", "DeleteLifecyclePolicy"]),
  aws_ecr_repository_policy: of("ecr", ["GetRepositoryPolicy"], ["SetRepositoryPolicy", "DeleteRepositoryPolicy"]),
  aws_ecr_registry_policy: of("ecr", ["GetRegistryPolicy"], ["PutRegistryPolicy", "DeleteRegistryPolicy"]),
  aws_ecr_registry_scanning_configuration: of("ecr", ["GetRegistryScanningConfiguration"], ["PutRegistryScanningConfiguration"]),
  aws_ecr_pull_through_cache_rule: of(
    "ecr",
    ["DescribePullThroughCacheRules"],
    ["CreatePullThroughCacheRule", "UpdatePullThroughCacheRule", "DeletePullThroughCacheRule"],
  ),
  aws_ecr_repository_creation_template: of(
    "ecr",
    ["DescribeRepositoryCreationTemplates"],
    ["CreateRepositoryCreationTemplate", "UpdateRepositoryCreationTemplate", "DeleteRepositoryCreationTemplate"],
  ),
  aws_scheduler_schedule: of("scheduler", ["GetSchedule"], ["CreateSchedule", "UpdateSchedule", "DeleteSchedule"]),
  aws_secretsmanager_secret: of(
    "secretsmanager",
    // Never GetSecretValue: the secret's value is not part of this resource.
    ["DescribeSecret", "GetResourcePolicy"],
    ["CreateSecret", "UpdateSecret", "DeleteSecret", "TagResource", "UntagResource", "PutResourcePolicy", "DeleteResourcePolicy"],
  ),
  // Provisioners only: what they call is listed by the constructs that add them.
  terraform_data: { service: "terraform", read: [], write: [] },
};

/** The actions of `types`, read-only or all; throws for a type the table does not know, naming it. */
export function actionsFor(types: Iterable<string>, access: "read" | "write"): string[] {
  const actions = new Set<string>();
  for (const type of types) {
    const entry = RESOURCE_ACTIONS[type];
    if (!entry) throw new Error(`no IAM actions are known for the resource type ${type}: add it to aws/resource-actions.ts`);
    for (const action of entry.read) actions.add(action);
    if (access === "write") for (const action of entry.write) actions.add(action);
  }
  return [...actions].sort();
}

/** Read-only by name: what a plan role may hold. A write action here is a bug (a test checks every entry). */
export const READ_ONLY_ACTION = /^[a-z0-9-]+:(Describe|Get|List|BatchGet)[A-Za-z]*$/;
