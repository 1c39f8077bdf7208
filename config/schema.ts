/**
 * The environment file format: `environments/<name>.json`.
 *
 * This zod schema is the single source of truth. The JSON Schema that editors
 * use (`schema/environment.schema.json`) and the config reference (docs/config-reference.md) are
 * generated from it (`npm run schema`), and a test fails when they drift.
 * Every field but `account`, `region` and `strategy` has a default.
 */
import { z } from "zod";
import { DEFAULTS } from "../aws/defaults";
import { AVAILABILITY_ZONE, BUILD_IMAGE, COMPUTE_TYPES, LOG_RETENTION_DAYS, MAX_AVAILABILITY_ZONES, PROJECT_NAME, REPOSITORY_NAME, REPOSITORY_PATH, REPOSITORY_PATH_EXPECTED, vpcCidrProblem } from "../aws/rules";
import { RULES } from "../policies/rules";
import { accountId, awsRegion, checked, integer, kmsKeyArn, logRetentionDays, oneOf, quoteAll, shaped } from "./primitives";

/** The ways out of Docker Hub's anonymous pull limit; see the README. */
export const STRATEGIES = ["authenticated", "fixed-ip", "mirror"] as const;
export type Strategy = (typeof STRATEGIES)[number];


const strategy = oneOf(STRATEGIES);

/** Lower-case name used in resource names (`<project>-<environment>`). */
const NAME = /^[a-z][a-z0-9-]*[a-z0-9]$/;

export { LOG_RETENTION_DAYS };

const httpsUrl = z
  .string({ error: "expected an https:// clone URL" })
  .regex(/^https:\/\/[^\s/]+\/\S+$/, { error: "expected an https:// clone URL, e.g. https://github.com/org/repo.git" });

const CODEPIPELINE = z
  .strictObject({
    type: z.literal("CODEPIPELINE"),
    artifactBucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: "expected an S3 bucket name" })
      .optional()
      .describe(
        "The pipeline's artifact bucket: the build role reads its input there and writes its output. " +
          "Default: the stores the CodePipeline console creates in the region (codepipeline-<region>-*), with a warning.",
      ),
  })
  .describe("A CodePipeline action starts the build and hands it the source.");

const NO_SOURCE = z
  .strictObject({ type: z.literal("NO_SOURCE") })
  .describe("No source: the buildspec does everything (useful for scheduled jobs).");

export const WEBHOOK_EVENTS = [
  "PUSH",
  "PULL_REQUEST_CREATED",
  "PULL_REQUEST_UPDATED",
  "PULL_REQUEST_REOPENED",
  "PULL_REQUEST_MERGED",
] as const;

const GIT = z
  .strictObject({
    type: oneOf(["GITHUB", "GITHUB_ENTERPRISE", "BITBUCKET", "GITLAB", "GITLAB_SELF_MANAGED"]),
    location: httpsUrl.describe("The repository's https clone URL."),
    cloneDepth: integer(0, 100).default(1).describe("Git clone depth; 0 clones the full history. Default: 1."),
    webhook: z
      .strictObject({
        enabled: z.boolean().default(true).describe("Create the webhook. Default: true."),
        branches: z
          .array(z.string().regex(/^[A-Za-z0-9._/-]+$/, { error: "expected a branch name" }))
          .min(1)
          .default(["main"])
          .describe('Branches whose events start a build. Default: ["main"].'),
        events: z
          .array(oneOf(WEBHOOK_EVENTS))
          .min(1)
          .default(["PUSH"])
          .describe('Repository events that start a build. Default: ["PUSH"].'),
        actorAccountIds: z
          .array(z.string().regex(/^\d{1,20}$/, { error: "expected a numeric account id of the Git host (GitHub: the user's id, not the login)" }))
          .default([])
          .describe(
            "Only these users' events start a build (the webhook's ACTOR_ACCOUNT_ID filter). Required with pull-request events: " +
              "a build gets the Docker Hub token and may push images, so strangers' pull requests must not start one. Default: [] (anyone who can push).",
          ),
      })
      .prefault({})
      .describe("The webhook that starts builds. CodeBuild needs a source credential for the host."),
  })
  .describe("A Git repository; a webhook starts builds.");

const source = z
  .discriminatedUnion("type", [CODEPIPELINE, NO_SOURCE, GIT], {
    error: `expected "type" to be one of "CODEPIPELINE", "NO_SOURCE", "GITHUB", "GITHUB_ENTERPRISE", "BITBUCKET", "GITLAB", "GITLAB_SELF_MANAGED"`,
  })
  .prefault({ type: "CODEPIPELINE" });

const imageRepository = z
  .strictObject({
    create: z
      .boolean()
      .default(true)
      .describe("Create an ECR repository for the images the build produces, and push to it. Default: true."),
    name: shaped(REPOSITORY_NAME)
      .optional()
      .describe("Repository name. Default: <project>-<environment>."),
    scanOnPush: z.boolean().default(true).describe("Scan each pushed image for vulnerabilities. Default: true."),
    tagMutability: oneOf(["IMMUTABLE", "MUTABLE"])
      .default(DEFAULTS.imageRepository.tagMutability)
      .describe(`Whether a tag can be pushed twice. Default: "${DEFAULTS.imageRepository.tagMutability}".`),
    keepLastImages: integer(1, 10000)
      .default(DEFAULTS.imageRepository.keepLastImages)
      .describe(`Lifecycle policy: keep this many most recent images. Default: ${DEFAULTS.imageRepository.keepLastImages}.`),
    untaggedExpiryDays: integer(1, 3650)
      .default(DEFAULTS.imageRepository.untaggedExpiryDays)
      .describe(`Lifecycle policy: expire untagged images after this many days. Default: ${DEFAULTS.imageRepository.untaggedExpiryDays}.`),
    removalPolicy: oneOf(["retain", "destroy"])
      .default(DEFAULTS.imageRepository.removalPolicy)
      .describe(
        '"retain": the repository and the images builds pushed survive config changes and a teardown (prevent_destroy; forgotten, ' +
          'never deleted, when create turns false). "destroy": it goes with the config, images included. Default: "retain".',
      ),
  })
  .prefault({});

const build = z
  .strictObject({
    projectName: shaped(PROJECT_NAME)
      .optional()
      .describe("CodeBuild project name. Default: <project>-<environment>."),
    source: source.describe('Where the build gets its source. Default: { "type": "CODEPIPELINE" }.'),
    image: shaped(BUILD_IMAGE)
      .default(DEFAULTS.buildProject.image)
      .describe(`Build image. Default: "${DEFAULTS.buildProject.image}" (CodeBuild-curated, never pulled from Docker Hub).`),
    computeType: oneOf(COMPUTE_TYPES)
      .default(DEFAULTS.buildProject.computeType)
      .describe(`CodeBuild compute type. Default: "${DEFAULTS.buildProject.computeType}".`),
    timeoutMinutes: integer(5, 2160)
      .default(DEFAULTS.buildProject.timeoutMinutes)
      .describe(`Build timeout in minutes. Default: ${DEFAULTS.buildProject.timeoutMinutes}.`),
    logRetentionDays: logRetentionDays
      .default(DEFAULTS.buildProject.logRetentionDays)
      .describe(`Days CloudWatch keeps build logs. Default: ${DEFAULTS.buildProject.logRetentionDays}.`),
    buildspecFile: z
      .string()
      .regex(/^[^/\\][^\\]*\.ya?ml$/, { error: "expected a relative path to a .yml or .yaml file" })
      .optional()
      .describe(
        "Your own buildspec, a YAML file relative to the project root, embedded at synth. " +
          "Default: the generated buildspec (Docker Hub login, quota check, build, push, logout).",
      ),
    imageRepository: imageRepository.describe("The ECR repository the build pushes its images to."),
  })
  .prefault({});

const dockerHub = z
  .strictObject({
    username: z
      .string()
      .regex(/^[a-z0-9]{4,30}$/, { error: "expected a Docker ID: 4 to 30 lower-case letters and digits" })
      .optional()
      .describe(
        "Docker Hub username (not a secret). Default: none; the build fails fast and says so until it is set.",
      ),
    parameterPrefix: z
      .string()
      .regex(/^(\/[A-Za-z0-9_.-]+)+$/, {
        error: "expected an SSM parameter path such as /team/dev/dockerhub (letters, digits, _ . - between slashes)",
      })
      .refine((prefix) => !/^\/(aws|ssm)/i.test(prefix), { error: 'must not start with "/aws" or "/ssm" (reserved by AWS)' })
      .refine((prefix) => prefix.split("/").length <= 14, { error: "at most 13 levels (SSM allows 15, with the parameter)" })
      .optional()
      .describe("SSM path under which the username and token parameters live. Default: /<project>/<environment>/dockerhub."),
    kmsKeyArn: kmsKeyArn
      .optional()
      .describe(
        "Customer managed KMS key for the SecureString parameters (costs $1/month). " +
          "Default: the AWS managed key alias/aws/ssm.",
      ),
  })
  .prefault({});

const cidrBlock = checked(vpcCidrProblem, "expected a CIDR block such as 10.42.0.0/16");

const egressPorts = z
  .union([z.literal("all"), z.array(integer(1, 65535)).min(1)], {
    error: 'expected "all" or a non-empty list of TCP ports (1 to 65535)',
  })
  .default("all")
  .describe('Where builds may connect: "all", or a list of TCP ports such as [443, 80]. Default: "all".');

const NEW_VPC = z
  .strictObject({
    vpc: z.literal("new").default("new").describe('"new": the stack creates the VPC (the default).'),
    cidr: cidrBlock
      .default(DEFAULTS.network.cidr)
      .describe(`The VPC's private CIDR block, /16 to /24. Default: "${DEFAULTS.network.cidr}".`),
    availabilityZones: z
      .array(shaped(AVAILABILITY_ZONE))
      .min(1, { error: "expected 1 to 6 zones" })
      .max(MAX_AVAILABILITY_ZONES, { error: "expected 1 to 6 zones" })
      .optional()
      .describe(
        "Zones for one private and one public subnet each. Default: the region's a and b zones (a and c in " +
          "ap-northeast-1, b and c in us-west-1); check yours with aws ec2 describe-availability-zones.",
      ),
    natGateways: oneOf(["single", "per-az"])
      .default("single")
      .describe('"single": one NAT gateway (~$36.50/month with its IP, plus $0.045/GB). "per-az": one per zone, survives a zone outage (that times the zones). Default: "single".'),
    elasticIps: z
      .strictObject({
        allocationIds: z
          .array(z.string().regex(/^eipalloc-[0-9a-f]{8,17}$/, { error: "expected an allocation id such as eipalloc-0123456789abcdef0" }))
          .min(1)
          .optional()
          .describe("Existing Elastic IPs (already allow-listed somewhere), one per NAT gateway. Default: new ones."),
        removalPolicy: oneOf(["retain", "destroy"])
          .default("retain")
          .describe('"retain": Elastic IPs the stack creates carry prevent_destroy and are forgotten, never released, when the config stops using them. "destroy": a config change may release them. Default: "retain".'),
      })
      .prefault({})
      .describe("The egress addresses."),
    egressPorts,
    endpoints: z
      .strictObject({
        s3: z.boolean().default(true).describe("S3 gateway endpoint: free; ECR image layers come from S3. Default: true."),
        ecr: z.boolean().default(false).describe("ECR api and dkr interface endpoints (~$14.60/month per zone). Default: false."),
        logs: z.boolean().default(false).describe("CloudWatch Logs interface endpoint (~$7.30/month per zone). Default: false."),
      })
      .prefault({})
      .describe("VPC endpoints that keep build traffic off the NAT gateway."),
  })
  .describe("A new VPC: private subnets behind NAT gateways with Elastic IPs.");

const EXISTING_VPC = z
  .strictObject({
    vpc: z.literal("existing").describe('"existing": builds attach to a VPC you already have.'),
    vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, { error: "expected a VPC id such as vpc-0123456789abcdef0" }),
    privateSubnetIds: z
      .array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { error: "expected a subnet id such as subnet-0123456789abcdef0" }))
      .min(1, { error: "expected at least one private subnet" })
      .max(16)
      .describe("Private subnets whose default route already goes to a NAT gateway with a fixed address."),
    egressPorts,
  })
  .describe("Your own VPC: the stack only attaches CodeBuild to it.");

const network = z
  .discriminatedUnion("vpc", [NEW_VPC, EXISTING_VPC], { error: 'expected "vpc" to be "new" or "existing"' })
  .prefault({});

/** An ECR repository prefix (a pull-through cache's, the pinned repositories'): a repository path. */
const repositoryPrefix = z
  .string()
  .regex(new RegExp(`^${REPOSITORY_PATH}$`), { error: `expected an ECR repository prefix: ${REPOSITORY_PATH_EXPECTED}` })
  .min(2)
  .max(30);

/** What ECR's pull-through cache accepts as upstreams besides Docker Hub and ECR Public. */
export const EXTRA_UPSTREAMS = ["quay.io", "ghcr.io", "registry.k8s.io", "registry.gitlab.com"] as const;


const cachePrefixes = z
  .strictObject({
    dockerHub: repositoryPrefix
      .default(DEFAULTS.mirror.dockerHubPrefix)
      .describe(`Cache prefix for Docker Hub. Default: "${DEFAULTS.mirror.dockerHubPrefix}".`),
    ecrPublic: repositoryPrefix
      .default(DEFAULTS.mirror.ecrPublicPrefix)
      .describe(`Cache prefix for ECR Public. Default: "${DEFAULTS.mirror.ecrPublicPrefix}".`),
  })
  .prefault({})
  .describe("Pull-through cache prefixes: image URIs are <registry>/<prefix>/<upstream path>.");

const pinnedPrefix = repositoryPrefix
  .default(DEFAULTS.mirror.pinnedPrefix)
  .describe(`Prefix of the pinned repositories the sync job fills. Default: "${DEFAULTS.mirror.pinnedPrefix}".`);

/** An image reference by tag: `library/node:20`, or with a registry host first. */
export const IMAGE_REFERENCE = new RegExp(`^(?:[a-z0-9-]+(?:\\.[a-z0-9-]+)+(?::\\d+)?\\/)?${REPOSITORY_PATH}:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`);

const imageReference = z
  .string()
  .regex(IMAGE_REFERENCE, {
    error: "expected an image by tag, such as library/node:20, public.ecr.aws/docker/library/python:3.12-slim or ghcr.io/org/tool:1.2",
  })
  .refine((image) => image.includes("/"), {
    error: "Docker Hub's official images live under library/: write library/<name>:<tag>",
  });

const OWN_MIRROR = z
  .strictObject({
    registry: z.literal("own").default("own").describe('"own": this environment hosts the mirror (the default).'),
    cachePrefixes,
    upstreams: z
      .array(
        z.strictObject({
          prefix: repositoryPrefix.describe("Its cache prefix, e.g. quay."),
          url: oneOf(EXTRA_UPSTREAMS).describe("The upstream registry."),
          credentialSecretName: z
            .string()
            .regex(/^ecr-pullthroughcache\/[A-Za-z0-9/_+=.@-]+$/, { error: "expected a secret name starting with ecr-pullthroughcache/" })
            .optional()
            .describe("An existing Secrets Manager secret with its credentials (GHCR and GitLab need one). Default: none."),
        }),
      )
      .default([])
      .describe("Further upstreams for the pull-through cache. Default: []."),
    pinnedPrefix,
    images: z
      .array(imageReference)
      .default([])
      .describe('Images the sync job copies, by tag, into <pinnedPrefix>/<path>: e.g. ["library/node:20"]. Default: [].'),
    retiredImages: z
      .array(imageReference)
      .default([])
      .describe(
        "Images no longer synced: move an image here from images, and Terraform forgets its repository, with its policies, " +
          "and leaves it in ECR with its images (removing it from images alone fails the plan while removalPolicy is retain). Default: [].",
      ),
    adoptExisting: z
      .boolean()
      .default(false)
      .describe(
        "The Docker Hub secret and the pinned repositories already exist, left by an earlier deploy that stopped hosting the " +
          "mirror: import them instead of creating them (each must exist). Default: false.",
      ),
    sync: z
      .strictObject({
        schedule: z
          .string()
          .regex(/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/, {
            error: "expected an EventBridge Scheduler expression such as rate(1 day) or cron(0 3 * * ? *)",
          })
          .default(DEFAULTS.mirror.syncSchedule)
          .describe(`When the sync job runs. Default: "${DEFAULTS.mirror.syncSchedule}".`),
        alarmTopicArn: z
          .string()
          .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/, { error: "expected an SNS topic ARN" })
          .optional()
          .describe("SNS topic the failed-sync alarm notifies. Default: none (the alarm still changes state)."),
      })
      .prefault({})
      .describe("The scheduled job that copies the pinned images."),
    lifecycle: z
      .strictObject({
        untaggedExpiryDays: integer(1, 3650)
          .default(DEFAULTS.mirror.untaggedExpiryDays)
          .describe(`Expire untagged images after this many days. Default: ${DEFAULTS.mirror.untaggedExpiryDays}.`),
        keepLastImages: integer(1, 10000)
          .default(DEFAULTS.mirror.keepLastImages)
          .describe(`Keep this many most recent images per repository. Default: ${DEFAULTS.mirror.keepLastImages}.`),
      })
      .prefault({})
      .describe("Lifecycle policy of every mirror repository (cached and pinned)."),
    scanOnPush: z
      .boolean()
      .default(true)
      .describe(
        "The pinned repositories' own scan-on-push setting. A registry scanning configuration with rules decides instead " +
          "(registry.scanning). Default: true.",
      ),
    tagMutability: oneOf(["MUTABLE", "IMMUTABLE"])
      .default("MUTABLE")
      .describe('Mirrored tags follow upstream, so they move. Default: "MUTABLE".'),
    kmsKeyArn: kmsKeyArn
      .optional()
      .describe("Customer managed KMS key for the mirror's repositories ($1/month). Default: AES256."),
    sharing: z
      .strictObject({
        accountIds: z.array(accountId).default([]).describe("Accounts that may pull and import through the mirror. Default: []."),
        organizationId: z
          .string()
          .regex(/^o-[a-z0-9]{10,32}$/, { error: "expected an AWS Organizations id such as o-a1b2c3d4e5" })
          .optional()
          .describe("An organization whose principals may pull and import (aws:PrincipalOrgID). Default: none."),
      })
      .prefault({})
      .describe("Who else may use the mirror."),
    removalPolicy: oneOf(["retain", "destroy"])
      .default("retain")
      .describe('"retain": pinned repositories and the Docker Hub secret survive config changes (prevent_destroy; forgotten, never deleted, when the strategy drops them). Default: "retain".'),
  })
  .describe("This environment hosts the mirror.");

const SHARED_MIRROR = z
  .strictObject({
    registry: z.literal("shared").describe('"shared": build against another account\'s mirror.'),
    accountId: accountId.describe("The account hosting the mirror."),
    region: awsRegion.optional().describe("The mirror's region. Default: this environment's region."),
    cachePrefixes,
    upstreamPrefixes: z.array(repositoryPrefix).default([]).describe("The mirror's further cache prefixes. Default: []."),
    pinnedPrefix,
  })
  .describe("Another account hosts the mirror: this environment only pulls from it.");

const mirror = z
  .discriminatedUnion("registry", [OWN_MIRROR, SHARED_MIRROR], { error: 'expected "registry" to be "own" or "shared"' })
  .prefault({});

// ECR actions, wildcards too: the V2 registry policy scope (every registry's default) enforces them all.
const registryAction = z.string().regex(/^ecr:[A-Za-z*]+$/, {
  error: 'expected ECR actions ("ecr:...", such as "ecr:ReplicateImage" or "ecr:BatchGetImage"): a registry policy holds no others',
});

const registryStatement = z
  .strictObject({
    Sid: z.string().regex(/^[A-Za-z0-9]+$/, { error: "expected a statement id of letters and digits (the check recognizes statements by it)" }),
    Effect: oneOf(["Allow", "Deny"]),
    Principal: z.union([z.literal("*"), z.record(z.string(), z.union([z.string(), z.array(z.string())]))], {
      error: 'expected "*" or a principal object such as { "AWS": "arn:aws:iam::111111111111:root" }',
    }),
    Action: z.union([registryAction, z.array(registryAction).min(1)], { error: 'expected an ECR action or a list of them ("ecr:...")' }),
    Resource: z.union([z.string(), z.array(z.string()).min(1)], { error: "expected an ARN or a list of ARNs" }),
    Condition: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  })
  .describe("A registry policy statement, as IAM JSON.");

const registry = z
  .strictObject({
    scanning: z
      .strictObject({
        manage: z
          .boolean()
          .default(false)
          .describe(
            "Manage the registry's scanning configuration (one per registry: it decides for every repository of the account). " +
              "Default: false (the account's configuration is left as it is).",
          ),
        scanType: oneOf(["BASIC", "ENHANCED"])
          .optional()
          .describe(
            'What the registry scans with; required with manage. "ENHANCED" is Amazon Inspector; a registry on ENHANCED is never ' +
              'set back to "BASIC" (the deploy refuses). Default: none.',
          ),
        frequency: oneOf(["SCAN_ON_PUSH", "CONTINUOUS_SCAN"])
          .default("SCAN_ON_PUSH")
          .describe('When to scan: "CONTINUOUS_SCAN" needs ENHANCED. Default: "SCAN_ON_PUSH".'),
        additionalFilters: z
          .array(z.string().regex(/^[a-z0-9*][a-z0-9._/*-]{0,255}$/, { error: "expected an ECR wildcard filter such as team-a/* or app" }))
          .default([])
          .describe(
            "The account's other repositories to keep scanning, as wildcard filters: repositories no filter matches are scanned " +
              "manually only. This stack's (the image repository, the mirror's prefixes) are always in. Default: [].",
          ),
      })
      .prefault({})
      .describe("The registry's scanning configuration."),
    policy: z
      .strictObject({
        additionalStatements: z
          .array(registryStatement)
          .default([])
          .describe(
            "Statements the registry's policy keeps besides the mirror's (replication, other sharing). The registry has one policy: " +
              "a deploy refuses to replace one holding statements that are not here. Default: [].",
          ),
      })
      .prefault({})
      .describe("The registry's permissions policy."),
  })
  .prefault({});

const roleArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, { error: "expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)" });

const state = z
  .discriminatedUnion(
    "backend",
    [
      z
        .strictObject({
          backend: z.literal("local").default("local"),
          path: z
            .string()
            .regex(/\.tfstate$/, { error: "expected a path ending in .tfstate" })
            .optional()
            .describe("State file, relative to the project root. Default: terraform.<environment>.tfstate."),
        })
        .describe('"local": a file next to the project (the default, for dev).'),
      z
        .strictObject({
          backend: z.literal("s3"),
          bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: "expected an S3 bucket name" }).describe("The state bucket."),
          key: z
            .string()
            .regex(/^[\w!.*'()/-]+\.tfstate$/, { error: "expected an object key ending in .tfstate" })
            .optional()
            .describe("Default: <project>/<environment>/terraform.tfstate."),
          region: awsRegion
            .optional()
            .describe("The bucket's region. Default: the environment's region."),
          roleArn: roleArn.optional().describe("A role to assume for state access. Default: none (the caller's credentials)."),
          kmsKeyId: z.string().optional().describe("KMS key for the state objects. Default: the bucket's encryption (SSE-S3)."),
        })
        .describe('"s3": encrypted, locked with S3-native lock files (use_lockfile).'),
      z
        .strictObject({
          backend: z.literal("cloud"),
          organization: z.string().regex(/^[A-Za-z0-9_-]{3,40}$/, { error: "expected an HCP Terraform organization name" }),
          workspace: z
            .string()
            .regex(/^[A-Za-z0-9_-]{1,90}$/, { error: "expected a workspace name: letters, digits, - and _" })
            .optional()
            .describe("Default: <project>-<environment>."),
          hostname: z.string().optional().describe('Default: "app.terraform.io".'),
        })
        .describe('"cloud": an HCP Terraform (or Terraform Enterprise) workspace.'),
    ],
    { error: 'expected "backend" to be "local", "s3" or "cloud"' },
  )
  .prefault({});

const deploy = z
  .strictObject({
    assumeRoleArn: roleArn
      .optional()
      .describe("A role in the environment's account the AWS provider assumes (deploying from a central account). Default: none."),
    ciPlanRoleArn: roleArn
      .optional()
      .describe("The role GitHub Actions assumes through OIDC to plan this environment on pull requests. Default: none (planned offline)."),
    ciDeployRoleArn: roleArn
      .optional()
      .describe("The role GitHub Actions assumes through OIDC to deploy this environment on merge. Default: none (not deployed by CI)."),
    githubRepository: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/, { error: 'expected a GitHub repository as "<owner>/<repository>"' })
      .optional()
      .describe(
        'The GitHub repository whose workflows may assume the CI roles, as "<owner>/<repository>" (required with a CI role): ' +
          "pull requests get the plan role, the GitHub environment named after this environment gets the deploy role. Default: none.",
      ),
  })
  .prefault({});

const bootstrap = z
  .strictObject({
    stateBucket: oneOf(["create", "existing"])
      .default("create")
      .describe(
        'With the "s3" state backend: "create" makes state.bucket in the bootstrap stack (versioned, encrypted, TLS only, public access blocked, ' +
          'never destroyed); "existing" uses a bucket you made. Default: "create".',
      ),
    stateVersionRetentionDays: integer(1, 3650)
      .default(90)
      .describe("Days a replaced state file version is kept in the bucket it creates (a bad deploy can be rolled back within them). Default: 90."),
    githubOidcProvider: oneOf(["create", "existing"])
      .default("create")
      .describe(
        '"create" makes GitHub\'s OIDC identity provider (token.actions.githubusercontent.com) in the account; "existing" uses the one the account ' +
          "has (IAM allows one per URL: pick it when another stack made it). Default: \"create\".",
      ),
    state: oneOf(["local", "s3"])
      .default("local")
      .describe(
        'Where the bootstrap stack keeps its own state: "local" (terraform.<environment>-bootstrap.tfstate, for the first deploy, before the bucket exists), ' +
          'then "s3" (the bucket it made; deploy it once with --migrate-state). Default: "local".',
      ),
  })
  .prefault({})
  .describe(
    "The account bootstrap, the stack <environment>-bootstrap: the state bucket, GitHub's OIDC provider, the CI plan and deploy roles and the " +
      "deploy role's permissions boundary. It exists when the environment names a CI role or keeps its state in a bucket it creates.",
  );

const policy = z
  .strictObject({
    acknowledge: z
      .partialRecord(
        z.enum(RULES.map((rule) => rule.id) as [string, ...string[]], {
          error: `expected a rule id: ${RULES.map((rule) => rule.id).join(", ")}`,
        }),
        z
          .string()
          .refine((reason) => reason.trim().length >= 10, { error: "expected a written reason (at least 10 characters): why this environment may break the rule" }),
      )
      .default({})
      .describe("Rules this environment may break, each with the reason: { \"DP-EC2-1\": \"why\" }. Default: {}."),
  })
  .prefault({})
  .describe("The policy checks that run at synth (see the README's Guardrails).");

const estimates = z
  .strictObject({
    pullsPerBuild: integer(0, 1000)
      .default(10)
      .describe("Docker Hub manifest pulls a build makes (one per FROM, per architecture). Default: 10."),
    natDataGbPerMonth: z
      .number()
      .min(0)
      .default(100)
      .describe("GB a month through the NAT gateways, for the cost estimate. Default: 100."),
    mirrorStorageGb: z.number().min(0).default(20).describe("GB the mirror stores, for the cost estimate. Default: 20."),
    dockerHubLimits: z
      .strictObject({
        anonymousPer6h: integer(1, 1_000_000)
          .default(100)
          .describe("Anonymous pulls per 6 hours, per IPv4 address (or IPv6 /64). Default: 100 (docs.docker.com/docker-hub/usage/pulls/, November 2026)."),
        personalPer6h: integer(1, 1_000_000)
          .default(200)
          .describe("Pulls per 6 hours of a free Personal account, wherever it pulls from. Default: 200 (docs.docker.com/docker-hub/usage/pulls/, November 2026)."),
      })
      .prefault({})
      .describe("Docker Hub's pull limits, as Docker documents them: change them here when Docker does."),
    dockerHubPlan: oneOf(["personal", "pro", "team", "business"])
      .default("personal")
      .describe('The Docker Hub plan of the account builds log in with: "personal" (free, limited to dockerHubLimits.personalPer6h) or a paid plan (no limit). Default: "personal".'),
  })
  .prefault({})
  .describe("Inputs of the plan review's estimates (cost, Docker Hub pull budget).");

export const EnvironmentFileSchema = z
  .strictObject({
    $schema: z.string().optional().describe("The JSON Schema this file follows, for editors."),
    account: accountId.describe("AWS account the environment deploys into (required). Deploying with credentials for another account fails."),
    region: awsRegion.describe("AWS region (required)."),
    strategy: z
      .union([strategy, z.array(strategy).min(1, { error: "expected a non-empty list of strategies" })], {
        error: `expected one of ${quoteAll(STRATEGIES)}, or a non-empty list of them`,
      })
      .superRefine((value, context) => {
        const listed = typeof value === "string" ? [value] : value;
        listed.forEach((item, index) => {
          const path = typeof value === "string" ? [] : [index];
          if (listed.indexOf(item) !== index) {
            context.addIssue({ code: "custom", path, input: item, message: "listed twice" });
          }
        });
      })
      .describe("How builds escape Docker Hub's anonymous pull limit (required): one strategy, or a list to combine."),
    project: z
      .string()
      .regex(NAME, { error: "expected lower-case letters, digits and hyphens, starting with a letter" })
      .min(2)
      .max(24)
      .default("docker-builds")
      .describe('Prefix of every resource name (<project>-<environment>). Default: "docker-builds".'),
    tags: z
      .record(
        z
          .string()
          .regex(/^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u, {
            error: 'must be 1 to 128 letters, digits, spaces and _ . : / = + - @, and must not start with "aws:"',
          }),
        z.string().max(256, { error: "tag values are at most 256 characters" }),
      )
      .default({})
      .describe("Extra tags on every resource, besides environment, project and managed-by. Default: {}."),
    state: state.describe('Where Terraform keeps this environment\'s state. Default: { "backend": "local" }.'),
    dockerHub: dockerHub.describe("Docker Hub credentials, kept in SSM Parameter Store (strategy authenticated)."),
    build: build.describe("The CodeBuild project that builds your images."),
    network: network.describe("Where builds run and leave from (strategy fixed-ip)."),
    mirror: mirror.describe("The ECR registry that mirrors public images (strategy mirror)."),
    registry: registry.describe("The account's private registry settings that are one per registry: scanning and the permissions policy."),
    deploy: deploy.describe("Roles for deploying this environment, by hand and from CI."),
    bootstrap,
    policy,
    estimates,
  })
  .describe("One environment of the Docker Hub pull-limit project: environments/<name>.json becomes the stack <name>.");

/** An environment file as written (fields with defaults may be missing). */
export type EnvironmentFileInput = z.input<typeof EnvironmentFileSchema>;
/** An environment file after validation, with every default filled in. */
export type EnvironmentFile = z.output<typeof EnvironmentFileSchema>;

/** The JSON Schema published for editors (`schema/environment.schema.json`). */
export function environmentJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(EnvironmentFileSchema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
}
