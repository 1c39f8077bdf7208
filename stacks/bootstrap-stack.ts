import * as os from "node:os";
import { App, Aspects, TerraformOutput } from "cdktf";
import { Construct, IConstruct } from "constructs";
import { actionsFor, READ_ONLY_ACTION } from "../aws/resource-actions";
import { Bootstrap, Environment } from "../config/environment";
import { STRATEGIES } from "../config/schema";
import { PARTITION_FACTS, partitionOf } from "../aws/partitions";
import { AwsStack } from "../constructs/aws-stack";
import { GithubActionsRole, GithubOidcProvider } from "../constructs/github-oidc";
import { PolicyStatement } from "../constructs/iam";
import { PermissionsBoundary } from "../constructs/permissions-boundary";
import { StateBucket } from "../constructs/state-bucket";
import { PolicyChecks } from "../policies/policy-checks";
import { configureEnvironmentStack } from "./backend";
import { DockerPullStack } from "./docker-pull-stack";

type Block = Record<string, unknown>;

/**
 * What an environment's stack manages, as the CI roles need to know it: the
 * resource types and names of the stack with the environment's strategies
 * and with all of them (so a strategy flip needs no new bootstrap), the
 * statements its service roles hold (the boundary), and what its
 * provisioners call.
 */
export interface ManagedResources {
  readonly types: ReadonlySet<string>;
  /** Literal names by resource type and attribute: `aws_iam_role` -> names. */
  readonly names: (type: string, attribute?: string) => string[];
  /** Every action the stack's service roles are granted. */
  readonly serviceRoleActions: readonly string[];
  /** What the stack's provisioners (token stores, registry checks) call, scoped. */
  readonly provisionerStatements: readonly PolicyStatement[];
}

/** Constructs whose provisioners call AWS say what with `deployerStatements()`. */
interface CallsAws {
  deployerStatements(): PolicyStatement[];
}

const callsAws = (construct: IConstruct): construct is IConstruct & CallsAws =>
  typeof (construct as Partial<CallsAws>).deployerStatements === "function";

/** Synthesizes the environment's stack (and its widest variant) in an app of its own, never written, and reads what it manages. */
export function managedResources(environment: Environment): ManagedResources {
  const variants = [environment, widest(environment)];
  const blocks: { type: string; block: Block }[] = [];
  const provisionerStatements = new Map<string, PolicyStatement>();
  for (const variant of variants) {
    const stack = new DockerPullStack(new App({ outdir: os.tmpdir(), skipValidation: true }), environment.name, variant);
    const resources = (stack.toTerraform() as { resource?: Record<string, Record<string, Block>> }).resource ?? {};
    for (const [type, byName] of Object.entries(resources)) for (const block of Object.values(byName)) blocks.push({ type, block });
    for (const construct of stack.node.findAll().filter(callsAws)) {
      for (const statement of construct.deployerStatements()) provisionerStatements.set(statement.sid, statement);
    }
  }
  const literal = (value: unknown): value is string => typeof value === "string" && !value.includes("${");
  const serviceRoleActions = new Set<string>();
  for (const { block } of blocks.filter((b) => b.type === "aws_iam_role_policy")) {
    const document = JSON.parse(block.policy as string) as { Statement: { Effect: string; Action: string | string[] }[] };
    for (const statement of document.Statement.filter((s) => s.Effect === "Allow")) for (const action of [statement.Action].flat()) serviceRoleActions.add(action);
  }
  return {
    types: new Set(blocks.map((b) => b.type)),
    names: (type, attribute = "name") => [...new Set(blocks.filter((b) => b.type === type).map((b) => b.block[attribute]).filter(literal))].sort(),
    serviceRoleActions: [...serviceRoleActions].sort(),
    provisionerStatements: [...provisionerStatements.values()],
  };
}

/**
 * The environment with every strategy, and a hosted mirror with a pinned
 * image (its sync job and schedule) if it hosts one: everything a config
 * change can add to the stack without a new bootstrap.
 */
function widest(environment: Environment): Environment {
  const mirror = environment.mirror;
  const pinned = mirror.registry === "own" && mirror.images.length === 0
    ? { ...mirror, images: ["library/busybox:latest"], pinnedRepositories: ["library/busybox"] }
    : mirror;
  return { ...environment, strategies: [...STRATEGIES], mirror: pinned };
}

/**
 * An environment's account bootstrap, `<environment>-bootstrap`, deployed
 * once by an administrator before the environment (like `cdk bootstrap`):
 * the S3 state bucket, GitHub's OIDC provider, the CI plan role (read-only,
 * never a secret value), the CI deploy role (scoped to what the stack
 * manages) and the permissions boundary every role the deploy role creates
 * must carry. Its own state is local until the bucket exists, then in it.
 */
export class BootstrapStack extends AwsStack {
  readonly bucket?: StateBucket;
  readonly oidc?: GithubOidcProvider;
  readonly planRole?: GithubActionsRole;
  readonly deployRole?: GithubActionsRole;
  readonly boundary?: PermissionsBoundary;

  constructor(scope: Construct, id: string, readonly environment: Environment) {
    super(scope, id, { accountId: environment.accountId, region: environment.region });
    const bootstrap = environment.bootstrap;
    if (!bootstrap) throw new Error(`${environment.file}: the environment needs no bootstrap (no CI role, no state bucket to create)`);
    Aspects.of(this).add(new PolicyChecks({ acknowledgements: environment.policy.acknowledge }));
    configureEnvironmentStack(this, environment, bootstrap.state);

    if (bootstrap.stateBucket) {
      this.bucket = new StateBucket(this, "state", {
        bucketName: bootstrap.stateBucket.name,
        noncurrentVersionExpiryDays: bootstrap.stateBucket.versionRetentionDays,
        kmsKeyArn: bootstrap.stateBucket.kmsKeyId,
      });
      new TerraformOutput(this, "state_bucket", { value: this.bucket.bucketName, description: "The S3 bucket every deploy of the environment keeps its state in." });
    }
    if (bootstrap.planRole || bootstrap.deployRole) this.ciRoles(environment, bootstrap);
  }

  private ciRoles(environment: Environment, bootstrap: Bootstrap): void {
    const repository = bootstrap.githubRepository!;
    const managed = managedResources(environment);
    const policies = new CiPolicies(environment, bootstrap, managed);
    const oidc = new GithubOidcProvider(this, "github", { mode: bootstrap.githubOidcProvider });
    (this as { oidc?: GithubOidcProvider }).oidc = oidc;
    new TerraformOutput(this, "github_oidc_audience", { value: oidc.audience, description: "The audience the workflow requests its OIDC token for." });
    if (bootstrap.planRole) {
      const role = new GithubActionsRole(this, "plan", {
        roleName: bootstrap.planRole.name,
        path: bootstrap.planRole.path,
        oidc,
        subjects: [`repo:${repository}:pull_request`],
        statements: policies.plan(),
        description: `Plans ${environment.name} for pull requests of ${repository}: reads what the stack manages and its state, never a secret value.`,
      });
      (this as { planRole?: GithubActionsRole }).planRole = role;
      new TerraformOutput(this, "plan_role_arn", { value: role.roleArn, description: "deploy.ciPlanRoleArn: pull requests plan with it." });
    }
    if (bootstrap.deployRole && bootstrap.permissionsBoundary) {
      const boundary = new PermissionsBoundary(this, "boundary", {
        policyName: bootstrap.permissionsBoundary.name,
        description: `The most a role the ${environment.name} deploy creates may do.`,
        statements: policies.boundary(),
      });
      (this as { boundary?: PermissionsBoundary }).boundary = boundary;
      const role = new GithubActionsRole(this, "deploy", {
        roleName: bootstrap.deployRole.name,
        path: bootstrap.deployRole.path,
        oidc,
        subjects: [`repo:${repository}:environment:${environment.name}`],
        statements: policies.deploy(),
        description: `Deploys ${environment.name} from ${repository}'s GitHub environment "${environment.name}": what the stack manages, and roles only under ${bootstrap.permissionsBoundary.name}.`,
      });
      (this as { deployRole?: GithubActionsRole }).deployRole = role;
      new TerraformOutput(this, "deploy_role_arn", { value: role.roleArn, description: "deploy.ciDeployRoleArn: merges deploy with it." });
      new TerraformOutput(this, "permissions_boundary_arn", { value: boundary.policyArn, description: "Every role the environment's stack creates carries it." });
    }
  }
}

/**
 * The CI roles' policies, generated from what the environment's stack
 * manages: the plan role reads (and never a secret value), the deploy role
 * reads and writes what the stack names, creates roles only under the
 * boundary, and cannot touch the bootstrap's own roles and policies.
 */
export class CiPolicies {
  private readonly partition: string;
  private readonly arn: (service: string, resource: string, region?: string) => string;

  constructor(
    private readonly environment: Environment,
    private readonly bootstrap: Bootstrap,
    private readonly managed: ManagedResources,
  ) {
    this.partition = partitionOf(environment.region);
    this.arn = (service, resource, region = environment.region) =>
      `arn:${this.partition}:${service}:${service === "iam" || service === "s3" ? "" : region}:${service === "s3" ? "" : environment.accountId}:${resource}`;
  }

  /** Read-only: a refreshing plan, the state, and explicit denies on every way to a secret value. */
  plan(): PolicyStatement[] {
    const reads = actionsFor(this.managed.types, "read");
    const writes = reads.filter((action) => !READ_ONLY_ACTION.test(action));
    if (writes.length > 0) throw new Error(`aws/resource-actions.ts lists actions as reads that are not read-only: ${writes.join(", ")}`);
    return [
      { sid: "RefreshStackResources", actions: reads, resources: ["*"] },
      ...this.stateAccess("read"),
      ...this.neverSecretValues(),
    ];
  }

  /** What the stack manages, scoped by name where IAM allows; roles only under the boundary. */
  deploy(): PolicyStatement[] {
    const { managed, environment } = this;
    const write = (type: string) => actionsFor([type], "write").filter((action) => !actionsFor([type], "read").includes(action));
    const present = (type: string) => managed.types.has(type);
    const statements: PolicyStatement[] = [
      { sid: "RefreshStackResources", actions: actionsFor(managed.types, "read"), resources: ["*"] },
    ];
    const ec2Types = [...managed.types].filter((type) => /^aws_(vpc|subnet|internet_gateway|eip|nat_gateway|route|security_group|vpc_)/.test(type));
    if (ec2Types.length > 0) {
      // EC2 names nothing before it exists: the region is the scope IAM offers.
      statements.push({
        sid: "ManageNetwork",
        actions: actionsFor(ec2Types, "write").filter((action) => !actionsFor(ec2Types, "read").includes(action)),
        resources: ["*"],
        conditions: { StringEquals: { "aws:RequestedRegion": environment.region } },
      });
    }
    // Exact names, and the stack's namespace (<project>-<environment>-*) for what a later config adds.
    const base = `${environment.project}-${environment.name}`;
    const roleArns = [...managed.names("aws_iam_role"), `${base}-*`].map((name) => this.arn("iam", `role/${name}`));
    const boundaryArn = this.bootstrap.permissionsBoundary!.arn;
    if (roleArns.length > 0) {
      const roleWrites = [...write("aws_iam_role"), ...write("aws_iam_role_policy")];
      const needsBoundary = ["iam:CreateRole", "iam:PutRolePermissionsBoundary"];
      statements.push(
        {
          sid: "CreateRolesUnderBoundary",
          actions: needsBoundary,
          resources: roleArns,
          conditions: { StringEquals: { "iam:PermissionsBoundary": boundaryArn } },
        },
        { sid: "ManageStackRoles", actions: roleWrites.filter((action) => !needsBoundary.includes(action)), resources: roleArns },
        {
          sid: "PassStackRoles",
          actions: ["iam:PassRole"],
          resources: roleArns,
          conditions: { StringEquals: { "iam:PassedToService": ["codebuild.amazonaws.com", "scheduler.amazonaws.com", "ecr.amazonaws.com"] } },
        },
      );
    }
    const projects = [...managed.names("aws_codebuild_project"), `${base}-*`].map((name) => this.arn("codebuild", `project/${name}`));
    const codebuildWrites = [...write("aws_codebuild_project"), ...(present("aws_codebuild_webhook") ? write("aws_codebuild_webhook") : [])];
    if (projects.length > 0) statements.push({ sid: "ManageBuildProjects", actions: codebuildWrites, resources: projects });
    const logGroups = [...managed.names("aws_cloudwatch_log_group"), `/aws/codebuild/${base}-*`].flatMap((name) => [this.arn("logs", `log-group:${name}`), this.arn("logs", `log-group:${name}:*`)]);
    if (logGroups.length > 0) statements.push({ sid: "ManageLogGroups", actions: write("aws_cloudwatch_log_group"), resources: logGroups });
    const alarms = [...managed.names("aws_cloudwatch_metric_alarm", "alarm_name"), `${base}-*`].map((name) => this.arn("cloudwatch", `alarm:${name}`));
    if (alarms.length > 0) statements.push({ sid: "ManageAlarms", actions: write("aws_cloudwatch_metric_alarm"), resources: alarms });
    const schedules = [...managed.names("aws_scheduler_schedule"), `${base}-*`].map((name) => this.arn("scheduler", `schedule/default/${name}`));
    if (schedules.length > 0) statements.push({ sid: "ManageSchedules", actions: write("aws_scheduler_schedule"), resources: schedules });
    const secrets = managed.names("aws_secretsmanager_secret").map((name) => this.arn("secretsmanager", `secret:${name}-??????`));
    if (secrets.length > 0) statements.push({ sid: "ManageSecrets", actions: write("aws_secretsmanager_secret"), resources: secrets });
    const repositories = this.repositoryArns();
    const repositoryTypes = ["aws_ecr_repository", "aws_ecr_lifecycle_policy", "aws_ecr_repository_policy"].filter(present);
    if (repositories.length > 0) {
      statements.push({ sid: "ManageRepositories", actions: repositoryTypes.flatMap(write), resources: repositories });
    }
    // Registry-wide settings have no resource ARN of their own.
    const registryTypes = ["aws_ecr_registry_policy", "aws_ecr_registry_scanning_configuration", "aws_ecr_pull_through_cache_rule", "aws_ecr_repository_creation_template"].filter(present);
    if (registryTypes.length > 0) statements.push({ sid: "ManageRegistrySettings", actions: registryTypes.flatMap(write), resources: ["*"] });
    statements.push(...managed.provisionerStatements, ...this.stateAccess("write"), ...this.protectBootstrap());
    return statements;
  }

  /**
   * The boundary: the actions the stack's service roles are granted, and no
   * other. Their own policies scope the resources; the boundary makes sure
   * a role the deploy role creates can never do more, whatever it is given.
   */
  boundary(): PolicyStatement[] {
    return [
      { sid: "ServiceRoleActions", actions: this.managed.serviceRoleActions, resources: ["*"] },
      // A role under the boundary cannot reach a CI role or the bootstrap's state.
      ...this.protectBootstrap(),
    ];
  }

  private repositoryArns(): string[] {
    const names = this.managed.names("aws_ecr_repository").map((name) => this.arn("ecr", `repository/${name}`));
    const mirror = this.environment.mirror;
    // Pinned repositories are one for_each resource: their names come from the image list, under the pinned prefix.
    if (this.managed.types.has("aws_ecr_repository") && mirror.registry === "own") names.push(this.arn("ecr", `repository/${mirror.pinnedPrefix}/*`));
    return [...new Set(names)].sort();
  }

  /** The environment's state object (and its lock file), read or also written. */
  private stateAccess(access: "read" | "write"): PolicyStatement[] {
    const state = this.bootstrap.environmentState;
    if (!state) return [];
    const bucket = `arn:${this.partition}:s3:::${state.bucket}`;
    const object = `${bucket}/${state.key}`;
    const statements: PolicyStatement[] = [
      { sid: "ListStateBucket", actions: ["s3:ListBucket"], resources: [bucket] },
      access === "read"
        ? { sid: "ReadState", actions: ["s3:GetObject"], resources: [object] }
        : { sid: "WriteState", actions: ["s3:GetObject", "s3:PutObject"], resources: [object] },
    ];
    // use_lockfile: a deploy holds <key>.tflock while it runs; a plan never locks (the review plans with -lock=false).
    if (access === "write") statements.push({ sid: "LockState", actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], resources: [`${object}.tflock`] });
    if (state.kmsKeyId) {
      statements.push({
        sid: "StateEncryption",
        actions: access === "read" ? ["kms:Decrypt"] : ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
        resources: [state.kmsKeyId],
        conditions: { StringEquals: { "kms:ViaService": `s3.${state.region}.${PARTITION_FACTS[partitionOf(state.region)].urlSuffix}` } },
      });
    }
    return statements;
  }

  /** Explicit denies a plan can never get around: no secret value, and no decryption through SSM or Secrets Manager. */
  private neverSecretValues(): PolicyStatement[] {
    const { region } = this.environment;
    const suffix = PARTITION_FACTS[this.partition as keyof typeof PARTITION_FACTS].urlSuffix;
    return [
      {
        sid: "NeverSecretValues",
        effect: "Deny",
        actions: ["secretsmanager:GetSecretValue", "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory"],
        resources: ["*"],
      },
      {
        sid: "NeverDecryptSecrets",
        effect: "Deny",
        actions: ["kms:Decrypt"],
        resources: ["*"],
        conditions: { StringEquals: { "kms:ViaService": [`ssm.${region}.${suffix}`, `secretsmanager.${region}.${suffix}`] } },
      },
    ];
  }

  /** The CI roles, the boundary and the bootstrap's own state are out of the deploy's reach. */
  private protectBootstrap(): PolicyStatement[] {
    const ciRoles = [this.bootstrap.planRole, this.bootstrap.deployRole].filter((role) => role !== undefined).map((role) => role.arn);
    const statements: PolicyStatement[] = [
      {
        sid: "ProtectBootstrapIam",
        effect: "Deny",
        actions: [
          "iam:AttachRolePolicy", "iam:DeleteRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary",
          "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:TagRole", "iam:UntagRole",
          "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion",
        ],
        resources: [...ciRoles, this.bootstrap.permissionsBoundary?.arn].filter((arn): arn is string => arn !== undefined),
      },
      // Taking a boundary off a role would lift its cap.
      { sid: "KeepBoundaries", effect: "Deny", actions: ["iam:DeleteRolePermissionsBoundary"], resources: ["*"] },
    ];
    // Where the bootstrap keeps its state once moved into the bucket: out of reach before and after the move.
    const state = this.bootstrap.environmentState;
    if (state) {
      const object = `arn:${this.partition}:s3:::${state.bucket}/${this.bootstrap.stateKey}`;
      statements.push({ sid: "ProtectBootstrapState", effect: "Deny", actions: ["s3:PutObject", "s3:DeleteObject"], resources: [object, `${object}.tflock`] });
    }
    return statements;
  }
}

/** Whether the policy's actions are all read-only by name (what a plan role may hold). */
export function readOnly(statements: readonly PolicyStatement[]): boolean {
  return statements.filter((s) => (s.effect ?? "Allow") === "Allow").every((s) => s.actions.every((action) => READ_ONLY_ACTION.test(action)));
}
