import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import {
  CodebuildProject,
  CodebuildProjectEnvironmentEnvironmentVariable,
} from "@cdktf/provider-aws/lib/codebuild-project";
import { CodebuildWebhook, CodebuildWebhookFilterGroup } from "@cdktf/provider-aws/lib/codebuild-webhook";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { DEFAULTS, ROLE_NAMES } from "../aws/defaults";
import { buildImageProblem, ComputeType, computeTypeProblem, LogRetentionDays, logRetentionProblem, named, projectNameProblem, refuse } from "../aws/rules";
import { AwsStack, formatArn } from "./aws-stack";
import { dockerBuildSpec, renderBuildSpec } from "./buildspec";
import { DockerHubCredentials } from "./dockerhub-credentials";
import { grantMirrorPull, MirrorLocation, registryOf } from "./ecr-mirror";
import { ImageRepository } from "./image-repository";
import { ServiceRole } from "./service-role";
import { terraformLiteral } from "./private/terraform-literal";

/** A CodePipeline action starts the build and hands it the source. */
export interface CodePipelineSource {
  readonly type: "CODEPIPELINE";
  /**
   * The pipeline's artifact bucket: the role reads its input there and writes its output.
   * @default - the stores the CodePipeline console creates in the region (`codepipeline-<region>-*`)
   */
  readonly artifactBucket?: string;
}

/** No source: the buildspec does everything. */
export interface NoSource {
  readonly type: "NO_SOURCE";
}

/** A Git repository; a webhook starts builds. */
export interface GitSource {
  readonly type: "GITHUB" | "GITHUB_ENTERPRISE" | "BITBUCKET" | "GITLAB" | "GITLAB_SELF_MANAGED";
  /** The repository's https clone URL. */
  readonly location: string;
  /** @default 1 */
  readonly cloneDepth?: number;
  /** @default - a webhook on pushes to main */
  readonly webhook?: {
    /** @default true */
    readonly enabled?: boolean;
    /** @default ["main"] */
    readonly branches?: readonly string[];
    /** @default ["PUSH"] */
    readonly events?: readonly string[];
    /**
     * The Git host's account ids of the only people whose events start a
     * build (ACTOR_ACCOUNT_ID). Required with pull-request events: a build
     * runs the pull request's code with the Docker Hub token and push rights.
     * @default - anyone whose event matches (allowed for pushes only)
     */
    readonly actorAccountIds?: readonly string[];
  };
}

export type BuildSource = CodePipelineSource | NoSource | GitSource;

/** Where builds run when they must leave through known addresses (strategy fixed-ip). */
export interface BuildVpc {
  readonly vpcId: string;
  /**
   * Private subnets only: CodeBuild's network interfaces get no public
   * address, so each subnet's default route must go to a NAT gateway.
   */
  readonly subnetIds: readonly string[];
  /** TCP ports builds may connect to. @default - all traffic */
  readonly egressPorts?: readonly number[];
}

export interface DockerBuildProjectProps {
  /** CodeBuild project name; also names the log group and, by default, the role. */
  readonly projectName: string;
  /** @default - { type: "CODEPIPELINE" } */
  readonly source?: BuildSource;
  /**
   * The buildspec, as YAML. Replace it with your own; the project's
   * environment variables (see README) are there for it to use.
   * @default - the generated buildspec: ECR and Docker Hub login, quota check, build, push, logout
   */
  readonly buildSpec?: string;
  /**
   * Build image. CodeBuild pulls it itself, anonymously and without SSM
   * credentials, so keep it off Docker Hub.
   * @default DockerBuildProject.DEFAULT_IMAGE (CodeBuild-curated)
   */
  readonly image?: string;
  /** @default DockerBuildProject.DEFAULT_COMPUTE_TYPE ("BUILD_GENERAL1_SMALL") */
  readonly computeType?: ComputeType;
  /** 5 to 2160. @default DockerBuildProject.DEFAULT_TIMEOUT_MINUTES (60) */
  readonly timeoutMinutes?: number;
  /** One of the periods CloudWatch Logs accepts. @default DockerBuildProject.DEFAULT_LOG_RETENTION_DAYS (30) */
  readonly logRetentionDays?: LogRetentionDays;
  /** @default - a new role named `<projectName>-build`, with only what the grants add */
  readonly role?: ServiceRole;
  /**
   * Docker Hub credentials to log in with: mapped in as `PARAMETER_STORE`
   * variables and granted to the role.
   * @default - no Docker Hub login (anonymous pulls)
   */
  readonly dockerHubCredentials?: DockerHubCredentials;
  /** Where the built image is pushed; the role can push there only. @default - the image is built, not pushed */
  readonly imageRepository?: ImageRepository;
  /**
   * A mirror to pull public images from (this account's or another's): the
   * build gets `REGISTRY_MIRROR` and the role may pull through its prefixes only.
   * @default - no mirror
   */
  readonly mirror?: MirrorLocation;
  /** More environment variables. @default - none */
  readonly environmentVariables?: readonly CodebuildProjectEnvironmentEnvironmentVariable[];
  /**
   * Run builds in these private subnets, behind a security group with no
   * ingress. The role gets the network-interface permissions CodeBuild needs,
   * for these subnets only.
   * @default - no VPC: CodeBuild's shared egress addresses
   */
  readonly vpc?: BuildVpc;
}

/**
 * A CodeBuild project that builds Docker images: privileged mode, a
 * CodeBuild-curated image, logs in CloudWatch with a retention, and a service
 * role holding only what the wired-in constructs grant it.
 */
export class DockerBuildProject extends Construct {
  static readonly DEFAULT_IMAGE = DEFAULTS.buildProject.image;
  static readonly DEFAULT_COMPUTE_TYPE: ComputeType = DEFAULTS.buildProject.computeType;
  static readonly DEFAULT_TIMEOUT_MINUTES = DEFAULTS.buildProject.timeoutMinutes;
  static readonly DEFAULT_LOG_RETENTION_DAYS: LogRetentionDays = DEFAULTS.buildProject.logRetentionDays;

  /** The artifact stores the CodePipeline console creates in `region` (`codepipeline-<region>-<random>`), as a bucket name pattern. */
  static defaultArtifactStores(region: string): string {
    return `codepipeline-${region}-*`;
  }

  readonly project: CodebuildProject;
  readonly role: ServiceRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly projectName: string;
  readonly projectArn: string;
  /** The effective buildspec (YAML). */
  readonly buildSpec: string;
  readonly webhook?: CodebuildWebhook;
  /** The builds' security group, when they run in a VPC. */
  readonly securityGroup?: SecurityGroup;

  constructor(scope: Construct, id: string, props: DockerBuildProjectProps) {
    super(scope, id);
    const { accountId, region } = AwsStack.of(this);
    const source = props.source ?? { type: "CODEPIPELINE" };
    refuse(this.node.path, [
      named("projectName", props.projectName, projectNameProblem),
      named("image", props.image, buildImageProblem),
      named("computeType", props.computeType, computeTypeProblem),
      named("timeoutMinutes", props.timeoutMinutes, (minutes) => (Number.isInteger(minutes) && minutes >= 5 && minutes <= 2160 ? undefined : "expected 5 to 2160 minutes")),
      named("logRetentionDays", props.logRetentionDays, logRetentionProblem),
    ]);
    validateSource(this, source);
    this.projectName = props.projectName;
    this.projectArn = formatArn(this, { service: "codebuild", resource: `project/${props.projectName}` });

    this.role =
      props.role ??
      new ServiceRole(this, "role", {
        roleName: ROLE_NAMES.build(props.projectName),
        servicePrincipal: "codebuild.amazonaws.com",
        description: `CodeBuild project ${props.projectName}`,
        // Only this project, in this account, may assume the role (confused deputy).
        trustConditions: { StringEquals: { "aws:SourceAccount": accountId, "aws:SourceArn": this.projectArn } },
      });

    const logGroupName = `/aws/codebuild/${props.projectName}`;
    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: logGroupName,
      retentionInDays: props.logRetentionDays ?? DockerBuildProject.DEFAULT_LOG_RETENTION_DAYS,
    });
    const logGroupArn = formatArn(this, { service: "logs", resource: `log-group:${logGroupName}` });
    this.role.addToPrincipalPolicy({
      sid: "WriteOwnBuildLogs",
      actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
      resources: [logGroupArn, `${logGroupArn}:*`],
    });

    const variables: CodebuildProjectEnvironmentEnvironmentVariable[] = [];
    const credentials = props.dockerHubCredentials;
    if (credentials) {
      credentials.grantRead(this.role);
      variables.push(
        { name: "DOCKERHUB_USERNAME", type: "PARAMETER_STORE", value: credentials.usernameParameterName },
        { name: "DOCKERHUB_TOKEN", type: "PARAMETER_STORE", value: credentials.tokenParameterName },
        { name: "DOCKERHUB_USERNAME_PARAMETER", type: "PLAINTEXT", value: credentials.usernameParameterName },
        { name: "DOCKERHUB_TOKEN_PARAMETER", type: "PLAINTEXT", value: credentials.tokenParameterName },
      );
    }
    const repository = props.imageRepository;
    if (repository) {
      repository.grantPush(this.role);
      variables.push(
        { name: "ECR_REGISTRY", type: "PLAINTEXT", value: repository.registry },
        { name: "IMAGE_REPOSITORY_URI", type: "PLAINTEXT", value: repository.repositoryUrl },
      );
    }
    if (props.mirror) {
      grantMirrorPull(this, this.role, props.mirror);
      const registry = registryOf(props.mirror, AwsStack.of(this).urlSuffix);
      variables.push(
        { name: "MIRROR_REGISTRY", type: "PLAINTEXT", value: registry },
        { name: "REGISTRY_MIRROR", type: "PLAINTEXT", value: `${registry}/${props.mirror.dockerHubPrefix}` },
        { name: "REGISTRY_MIRROR_PINNED", type: "PLAINTEXT", value: `${registry}/${props.mirror.pinnedPrefix}` },
      );
    }
    variables.push(...(props.environmentVariables ?? []));
    if (source.type === "CODEPIPELINE") {
      // Without its input artifact the build stops at DOWNLOAD_SOURCE: by default, the stores the CodePipeline console creates.
      this.grantArtifactBucket(source.artifactBucket ?? DockerBuildProject.defaultArtifactStores(region));
    }
    const policies: ITerraformDependable[] = [this.role.policy];
    if (props.vpc) {
      this.securityGroup = this.buildSecurityGroup(props.vpc);
      policies.push(this.grantNetworkInterfaces(props.vpc.subnetIds));
    }

    this.buildSpec =
      props.buildSpec ??
      renderBuildSpec(
        dockerBuildSpec({
          dockerHubLogin: credentials !== undefined,
          pushToEcr: repository !== undefined,
          pullFromMirror: props.mirror !== undefined,
        }),
      );

    const image = props.image ?? DockerBuildProject.DEFAULT_IMAGE;
    this.project = new CodebuildProject(this, "project", {
      name: props.projectName,
      description: `Builds Docker images (${region})`,
      serviceRole: this.role.roleArn,
      buildTimeout: props.timeoutMinutes ?? DockerBuildProject.DEFAULT_TIMEOUT_MINUTES,
      artifacts: { type: source.type === "CODEPIPELINE" ? "CODEPIPELINE" : "NO_ARTIFACTS" },
      environment: {
        type: /aarch64|arm64/.test(image) ? "ARM_CONTAINER" : "LINUX_CONTAINER",
        image,
        computeType: props.computeType ?? DockerBuildProject.DEFAULT_COMPUTE_TYPE,
        // CodeBuild pulls curated images with its own credentials, never Docker Hub's.
        imagePullCredentialsType: "CODEBUILD",
        privilegedMode: true,
        environmentVariable: variables,
      },
      source: {
        type: source.type,
        buildspec: terraformLiteral(this.buildSpec),
        ...(source.type === "CODEPIPELINE" || source.type === "NO_SOURCE"
          ? {}
          : { location: source.location, gitCloneDepth: source.cloneDepth ?? 1 }),
      },
      logsConfig: {
        cloudwatchLogs: { status: "ENABLED", groupName: logGroupName },
        s3Logs: { status: "DISABLED" },
      },
      vpcConfig: props.vpc && {
        vpcId: props.vpc.vpcId,
        subnets: [...props.vpc.subnetIds],
        securityGroupIds: [this.securityGroup!.id],
      },
      // The role's policies must exist before CodeBuild first uses the role.
      dependsOn: [...policies, this.logGroup],
    });

    if (source.type !== "CODEPIPELINE" && source.type !== "NO_SOURCE" && (source.webhook?.enabled ?? true)) {
      this.webhook = new CodebuildWebhook(this, "webhook", {
        projectName: this.project.name,
        buildType: "BUILD",
        filterGroup: webhookFilterGroups(source.webhook?.branches ?? ["main"], source.webhook?.events ?? ["PUSH"], source.webhook?.actorAccountIds ?? []),
      });
    }
  }

  /**
   * No ingress; egress to everything, or to the given TCP ports. Rules are
   * separate resources (the provider removes AWS's default allow-all egress
   * rule from a new group).
   */
  private buildSecurityGroup(vpc: BuildVpc): SecurityGroup {
    const group = new SecurityGroup(this, "security-group", {
      name: `${this.projectName}-build`,
      description: `CodeBuild ${this.projectName}: no ingress`,
      vpcId: vpc.vpcId,
    });
    if (vpc.egressPorts) {
      for (const port of vpc.egressPorts) {
        new VpcSecurityGroupEgressRule(this, `egress-tcp-${port}`, {
          securityGroupId: group.id,
          description: `TCP ${port} to anywhere`,
          ipProtocol: "tcp",
          fromPort: port,
          toPort: port,
          cidrIpv4: "0.0.0.0/0",
        });
      }
    } else {
      new VpcSecurityGroupEgressRule(this, "egress-all", {
        securityGroupId: group.id,
        description: "All traffic to anywhere",
        ipProtocol: "-1",
        cidrIpv4: "0.0.0.0/0",
      });
    }
    return group;
  }

  /**
   * What CodeBuild does with the role to attach builds to the VPC. Only the
   * Describe calls need `*` (they support no resource type); creating and
   * authorizing interfaces is limited to the build subnets. These statements
   * get a policy of their own: the ids of subnets the same deploy creates are
   * unknown at plan time, and the role's main policy should stay readable there.
   */
  private grantNetworkInterfaces(subnetIds: readonly string[]): IamRolePolicy {
    const ec2 = (resource: string) => formatArn(this, { service: "ec2", resource });
    const subnetArns = subnetIds.map((id) => ec2(`subnet/${id}`));
    const describe = {
      sid: "DescribeBuildNetwork",
      actions: [
        "ec2:DescribeDhcpOptions",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
      ],
      resources: ["*"],
    };
    // The security group needs no pinning: an interface's group must be in the subnet's VPC anyway.
    const manage = {
      sid: "ManageBuildNetworkInterfaces",
      actions: ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"],
      resources: [ec2("network-interface/*"), ...subnetArns, ec2("security-group/*")],
    };
    const authorize = {
      sid: "AuthorizeCodeBuildNetworkInterfaces",
      actions: ["ec2:CreateNetworkInterfacePermission"],
      resources: [ec2("network-interface/*")],
      conditions: {
        StringEquals: { "ec2:Subnet": subnetArns, "ec2:AuthorizedService": "codebuild.amazonaws.com" },
      },
    };
    return this.role.addPolicy("network-policy", "build-network-interfaces", [describe, manage, authorize]);
  }

  private grantArtifactBucket(bucket: string): void {
    const bucketArn = formatArn(this, { service: "s3", region: "", accountId: "", resource: bucket });
    this.role.addToPrincipalPolicy({
      sid: "PipelineArtifacts",
      actions: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
      resources: [`${bucketArn}/*`],
    });
    this.role.addToPrincipalPolicy({
      sid: "PipelineArtifactBucket",
      actions: ["s3:GetBucketAcl", "s3:GetBucketLocation"],
      resources: [bucketArn],
    });
  }
}

/** Refuses what CodeBuild would accept and regret: a webhook that starts strangers' pull requests with the project's role. */
function validateSource(scope: Construct, source: BuildSource): void {
  if (source.type === "CODEPIPELINE" || source.type === "NO_SOURCE" || source.webhook?.enabled === false) return;
  const pullRequests = (source.webhook?.events ?? []).filter((event) => event.startsWith("PULL_REQUEST"));
  if (pullRequests.length > 0 && (source.webhook?.actorAccountIds ?? []).length === 0) {
    throw new Error(
      `${scope.node.path}: webhook events ${pullRequests.join(", ")} need actorAccountIds: a pull request's build runs its author's ` +
        "code with the project's role (the Docker Hub token, push rights)",
    );
  }
}

/**
 * Pushes match on the pushed branch (HEAD_REF); pull-request events on the
 * branch they target (BASE_REF). With actors, each group also needs one of
 * them (ACTOR_ACCOUNT_ID). One filter group each; any group starts a build.
 */
function webhookFilterGroups(branches: readonly string[], events: readonly string[], actors: readonly string[]): CodebuildWebhookFilterGroup[] {
  const refs = `^refs/heads/(${branches.map((b) => b.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})$`;
  const actor = actors.length > 0 ? [{ type: "ACTOR_ACCOUNT_ID", pattern: `^(${actors.join("|")})$` }] : [];
  const pushes = events.filter((e) => e === "PUSH");
  const pullRequests = events.filter((e) => e !== "PUSH");
  return [
    ...(pushes.length > 0 ? [{ filter: [{ type: "EVENT", pattern: "PUSH" }, { type: "HEAD_REF", pattern: refs }, ...actor] }] : []),
    ...(pullRequests.length > 0
      ? [{ filter: [{ type: "EVENT", pattern: pullRequests.join(", ") }, { type: "BASE_REF", pattern: refs }, ...actor] }]
      : []),
  ];
}
