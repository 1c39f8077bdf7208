import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrPullThroughCacheRule } from "@cdktf/provider-aws/lib/ecr-pull-through-cache-rule";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { EcrRepositoryCreationTemplate } from "@cdktf/provider-aws/lib/ecr-repository-creation-template";
import { EcrRepositoryPolicy } from "@cdktf/provider-aws/lib/ecr-repository-policy";
import { TerraformIterator } from "cdktf";
import { Construct } from "constructs";
import { protectStateful } from "./private/stateful";

import { DEFAULTS } from "../aws/defaults";
import { AwsStack, formatArn } from "./aws-stack";
import { DockerHubSecret } from "./dockerhub-secret";
import { IGrantable, PolicyStatement } from "./iam";
import { ECR_PULL_ACTIONS, ECR_PUSH_ACTIONS, grantEcrLogin, lifecyclePolicy } from "./image-repository";
import { RegistryPolicyStatement } from "./registry-policy";
import { ServiceRole } from "./service-role";
import { adopt, forget, instanceAddress, moved } from "./private/terraform-blocks";

/** An upstream registry beyond Docker Hub and ECR Public, e.g. GHCR or Quay. */
export interface MirrorUpstream {
  /** The cache prefix in the mirror, e.g. `quay`. */
  readonly prefix: string;
  /** The upstream registry, e.g. `quay.io`, `ghcr.io`. */
  readonly url: string;
  /** A Secrets Manager secret (name starting `ecr-pullthroughcache/`) for registries that need credentials. @default - none */
  readonly credentialArn?: string;
}

/** Where a mirror is and what it holds: enough to pull from it, from its own or another account. */
export interface MirrorLocation {
  readonly accountId: string;
  readonly region: string;
  /** Pull-through cache prefixes, e.g. `docker-hub`, `ecr-public`. */
  readonly cachePrefixes: readonly string[];
  /** Prefix of the pinned, synced repositories, e.g. `mirror`. */
  readonly pinnedPrefix: string;
  /** The Docker Hub cache prefix: what `REGISTRY_MIRROR` points at. */
  readonly dockerHubPrefix: string;
}

/** The account and organization that may pull from (and import through) the mirror. */
export interface MirrorSharing {
  /** @default - none */
  readonly accountIds?: readonly string[];
  /** An AWS Organization id (`o-...`): any principal in it, by `aws:PrincipalOrgID`. @default - none */
  readonly organizationId?: string;
}

export interface EcrMirrorProps {
  /** Names the mirror's own IAM role (`<name>-ecr-templates`), when it needs one. */
  readonly name: string;
  /** Cache prefix for Docker Hub (`registry-1.docker.io`). @default EcrMirror.DEFAULT_DOCKER_HUB_PREFIX ("docker-hub") */
  readonly dockerHubPrefix?: string;
  /** Cache prefix for ECR Public (`public.ecr.aws`, no credentials). @default EcrMirror.DEFAULT_ECR_PUBLIC_PREFIX ("ecr-public") */
  readonly ecrPublicPrefix?: string;
  /** Docker Hub credentials for the cache (anonymous pulls from ECR are not possible for Docker Hub). */
  readonly dockerHubSecret: DockerHubSecret;
  /** @default - none */
  readonly upstreams?: readonly MirrorUpstream[];
  /** Prefix of the pinned repositories the sync job fills. @default EcrMirror.DEFAULT_PINNED_PREFIX ("mirror") */
  readonly pinnedPrefix?: string;
  /** Repositories to create under the pinned prefix, e.g. `library/node`. @default - none */
  readonly pinnedRepositories?: readonly string[];
  /** Lifecycle of every mirror repository: expire untagged images after this many days. @default 7 */
  readonly untaggedExpiryDays?: number;
  /** Lifecycle of every mirror repository: keep this many most recent images. @default 50 */
  readonly keepLastImages?: number;
  /**
   * The pinned repositories' own scan-on-push setting. The registry's scanning
   * configuration, when it has rules, decides instead (see RegistryScanning
   * and `scanningFilters()`).
   * @default true
   */
  readonly scanOnPush?: boolean;
  /** Tags in a mirror follow upstream, so they move. @default "MUTABLE" */
  readonly tagMutability?: "MUTABLE" | "IMMUTABLE";
  /** Customer managed KMS key for every mirror repository. @default - AES256 (ECR's own key, no charge) */
  readonly kmsKeyArn?: string;
  /** Other accounts that may pull and import through the cache. @default - this account only */
  readonly sharing?: MirrorSharing;
  /**
   * `"retain"`: pinned repositories carry `prevent_destroy`, so dropping an
   * image from `pinnedRepositories` fails the plan instead of deleting its
   * repository (retire it with `retiredRepositories`). `"destroy"`: a dropped
   * repository is deleted with its images (`force_delete`).
   * @default "retain"
   */
  readonly removalPolicy?: "retain" | "destroy";
  /**
   * Pinned repositories no longer synced (paths, e.g. `library/python`):
   * Terraform forgets each, with its lifecycle and repository policies, as a
   * whole, and leaves it in ECR with its images.
   * @default - none
   */
  readonly retiredRepositories?: readonly string[];
  /**
   * The pinned repositories (with their policies) already exist, left in ECR
   * by an earlier deploy that stopped hosting the mirror: import them instead
   * of creating them. Every listed repository must exist.
   * @default false
   */
  readonly adoptExisting?: boolean;
  /**
   * Pins the Terraform addresses of the pinned repositories and their
   * policies (one `for_each` resource each, keyed by path), so a refactor
   * never replaces a repository full of images (set here: cdktf fixes an id
   * once referenced).
   * @default - cdktf's ids, derived from the construct path
   */
  readonly pinnedLogicalIds?: PinnedLogicalIds;
}

/** The names of the pinned repositories' `for_each` resources. */
export interface PinnedLogicalIds {
  readonly repository: string;
  readonly lifecyclePolicy: string;
  readonly repositoryPolicy: string;
}

/**
 * An ECR registry that mirrors public images: pull-through cache rules for
 * Docker Hub, ECR Public and any further upstream; repository creation
 * templates so the repositories the cache creates get lifecycle rules,
 * scanning and encryption; pinned repositories for a sync job to fill; and,
 * when shared, the policies that let other accounts pull and import.
 */
export class EcrMirror extends Construct {
  static readonly DEFAULT_DOCKER_HUB_PREFIX = DEFAULTS.mirror.dockerHubPrefix;
  static readonly DEFAULT_ECR_PUBLIC_PREFIX = DEFAULTS.mirror.ecrPublicPrefix;
  static readonly DEFAULT_PINNED_PREFIX = DEFAULTS.mirror.pinnedPrefix;
  static readonly DEFAULT_UNTAGGED_EXPIRY_DAYS = DEFAULTS.mirror.untaggedExpiryDays;
  static readonly DEFAULT_KEEP_LAST_IMAGES = DEFAULTS.mirror.keepLastImages;

  readonly location: MirrorLocation;
  readonly rules: EcrPullThroughCacheRule[];
  readonly templates: EcrRepositoryCreationTemplate[];
  /** The pinned repositories: one resource, an instance per path (`for_each`). */
  readonly pinnedRepositories: EcrRepository;
  /** The resources with an instance per pinned path: the repositories, their lifecycle policies and (shared) their policies. */
  readonly pinnedResources: readonly { readonly type: string; readonly name: string }[];
  /** `<account>.dkr.ecr.<region>.amazonaws.com`. */
  readonly registry: string;
  private readonly name: string;
  private readonly pinnedPaths: readonly string[];
  private readonly sharing?: MirrorSharing;
  private readonly kmsKeyArn?: string;

  constructor(scope: Construct, id: string, props: EcrMirrorProps) {
    super(scope, id);
    const { accountId, region } = AwsStack.of(this);
    this.name = props.name;
    this.kmsKeyArn = props.kmsKeyArn;
    this.pinnedPaths = props.pinnedRepositories ?? [];
    const dockerHubPrefix = props.dockerHubPrefix ?? EcrMirror.DEFAULT_DOCKER_HUB_PREFIX;
    const ecrPublicPrefix = props.ecrPublicPrefix ?? EcrMirror.DEFAULT_ECR_PUBLIC_PREFIX;
    const pinnedPrefix = props.pinnedPrefix ?? EcrMirror.DEFAULT_PINNED_PREFIX;
    const upstreams: MirrorUpstream[] = [
      { prefix: dockerHubPrefix, url: "registry-1.docker.io", credentialArn: props.dockerHubSecret.secret.arn },
      { prefix: ecrPublicPrefix, url: "public.ecr.aws" },
      ...(props.upstreams ?? []),
    ];
    const prefixes = upstreams.map((u) => u.prefix);
    if (new Set([...prefixes, pinnedPrefix]).size !== prefixes.length + 1) {
      throw new Error(`${this.node.path}: cache and pinned prefixes must differ, got ${[...prefixes, pinnedPrefix].join(", ")}`);
    }
    this.location = { accountId, region, cachePrefixes: prefixes, pinnedPrefix, dockerHubPrefix };
    this.registry = registryOf(this.location, AwsStack.of(this).urlSuffix);

    const sharing = props.sharing ?? {};
    const shared = (sharing.accountIds?.length ?? 0) > 0 || sharing.organizationId !== undefined;
    const lifecycle = lifecyclePolicy(
      props.untaggedExpiryDays ?? EcrMirror.DEFAULT_UNTAGGED_EXPIRY_DAYS,
      props.keepLastImages ?? EcrMirror.DEFAULT_KEEP_LAST_IMAGES,
    );
    const repositoryPolicy = shared ? JSON.stringify(pullPolicy(AwsStack.of(this).partition, sharing)) : undefined;
    const encryption = props.kmsKeyArn ? { encryptionType: "KMS", kmsKey: props.kmsKeyArn } : { encryptionType: "AES256" };

    // ECR reads a rule's secret when it creates the rule: the Docker Hub rule waits for the secret's first value.
    this.rules = upstreams.map(
      (upstream) =>
        new EcrPullThroughCacheRule(this, `cache-${upstream.prefix}`, {
          ecrRepositoryPrefix: upstream.prefix,
          upstreamRegistryUrl: upstream.url,
          credentialArn: upstream.credentialArn,
          dependsOn: upstream.prefix === dockerHubPrefix ? [props.dockerHubSecret.store] : undefined,
        }),
    );

    // With a customer key, ECR creates the cache's repositories with a role of ours.
    const templateRole = props.kmsKeyArn ? this.templateRole(prefixes, props.kmsKeyArn) : undefined;
    this.templates = prefixes.map(
      (prefix) =>
        new EcrRepositoryCreationTemplate(this, `template-${prefix}`, {
          prefix,
          appliedFor: ["PULL_THROUGH_CACHE"],
          description: `Repositories the pull-through cache creates under ${prefix}/`,
          imageTagMutability: props.tagMutability ?? "MUTABLE",
          lifecyclePolicy: lifecycle,
          repositoryPolicy,
          encryptionConfiguration: [encryption],
          customRoleArn: templateRole?.roleArn,
          dependsOn: templateRole ? [templateRole.policy] : undefined,
        }),
    );

    const pinned = this.pinned(props, pinnedPrefix, encryption, lifecycle, repositoryPolicy);
    this.pinnedRepositories = pinned.repositories;
    this.pinnedResources = pinned.resources;

    this.sharing = shared ? sharing : undefined;
  }

  /**
   * The registry policy statements that let other accounts import through the
   * cache (empty when not shared). The registry has one policy: the stack
   * puts these in it, with the account's other statements (RegistryPolicy).
   */
  registryPolicyStatements(): RegistryPolicyStatement[] {
    return this.sharing ? importStatements(this, this.location.cachePrefixes, this.sharing) : [];
  }

  /**
   * The repositories the mirror holds, as the registry's scanning filters:
   * every cache prefix and the pinned prefix. (Templates carry no scanning
   * setting: the registry's configuration decides for the cache's repositories.)
   */
  scanningFilters(): string[] {
    return [...this.location.cachePrefixes, this.location.pinnedPrefix].map((prefix) => `${prefix}/*`);
  }

  /**
   * One repository per pinned path, with its lifecycle and repository
   * policies: `for_each` resources keyed by path, so a dropped path is an
   * instance Terraform refuses to destroy (prevent_destroy) rather than a
   * block that silently disappears; retired paths are forgotten as a whole.
   */
  private pinned(
    props: EcrMirrorProps,
    pinnedPrefix: string,
    encryption: { encryptionType: string; kmsKey?: string },
    lifecycle: string,
    repositoryPolicy: string | undefined,
  ): { repositories: EcrRepository; resources: { type: string; name: string }[] } {
    const retain = (props.removalPolicy ?? "retain") === "retain";
    const paths = [...this.pinnedPaths];
    const retired = props.retiredRepositories ?? [];
    const stillPinned = retired.filter((path) => paths.includes(path));
    if (stillPinned.length > 0) {
      throw new Error(`${this.node.path}: ${stillPinned.join(", ")} cannot be both pinned and retired`);
    }
    const names = TerraformIterator.fromMap(Object.fromEntries(paths.map((path) => [path, `${pinnedPrefix}/${path}`])));
    const repositories = new EcrRepository(this, "pinned", {
      forEach: names,
      name: names.value,
      imageTagMutability: props.tagMutability ?? "MUTABLE",
      imageScanningConfiguration: { scanOnPush: props.scanOnPush ?? true },
      encryptionConfiguration: [encryption],
      // "destroy" means it: a dropped repository goes with its images (ECR refuses otherwise, half-way through an apply).
      forceDelete: !retain,
    });
    const ids = props.pinnedLogicalIds;
    if (ids) repositories.overrideLogicalId(ids.repository);
    protectStateful(repositories, { holds: "mirrored images", removalPolicy: props.removalPolicy });
    const each = TerraformIterator.fromResources(repositories);
    const lifecyclePolicy = new EcrLifecyclePolicy(this, "pinned-lifecycle", { forEach: each, repository: each.getString("name"), policy: lifecycle });
    if (ids) lifecyclePolicy.overrideLogicalId(ids.lifecyclePolicy);
    const policies: { type: string; name: string }[] = [
      { type: "aws_ecr_repository", name: repositories.friendlyUniqueId },
      { type: "aws_ecr_lifecycle_policy", name: lifecyclePolicy.friendlyUniqueId },
    ];
    if (repositoryPolicy) {
      const policy = new EcrRepositoryPolicy(this, "pinned-policy", { forEach: each, repository: each.getString("name"), policy: repositoryPolicy });
      if (ids) policy.overrideLogicalId(ids.repositoryPolicy);
      policies.push({ type: "aws_ecr_repository_policy", name: policy.friendlyUniqueId });
    }
    for (const path of retired) {
      // An instance cannot be named in `removed`: move it to an address of its own, then forget that.
      for (const { type, name } of policies) {
        const retiredAddress = `${type}.${name}_retired_${path.replace(/[^A-Za-z0-9]/g, "_")}`;
        moved(this, instanceAddress(type, name, path), retiredAddress);
        forget(this, retiredAddress);
      }
    }
    if (props.adoptExisting) {
      for (const path of paths) for (const { type, name } of policies) adopt(this, instanceAddress(type, name, path), `${pinnedPrefix}/${path}`);
    }
    return { repositories, resources: policies };
  }

  /** Lets `grantee` pull through the cache (import and create on first pull) and pull the pinned images. */
  grantPull(grantee: IGrantable): void {
    grantMirrorPull(this, grantee, this.location);
  }

  /** Lets `grantee` push to the pinned repositories, and nowhere else. */
  grantPushPinned(grantee: IGrantable): void {
    grantEcrLogin(grantee);
    grantee.addToPrincipalPolicy({
      sid: "PushPinnedImages",
      actions: ECR_PUSH_ACTIONS,
      resources: this.pinnedPaths.map((path) => this.pinnedRepositoryArn(path)),
    });
  }

  /**
   * What whoever deploys the mirror needs beyond its resources: the first
   * rule with credentials makes ECR create its pull-through service-linked
   * role, and repositories encrypted with a customer key get a KMS grant.
   */
  deployerStatements(): PolicyStatement[] {
    const { partition, accountId } = AwsStack.of(this);
    return [
      {
        sid: "CreatePullThroughCacheServiceRole",
        actions: ["iam:CreateServiceLinkedRole"],
        resources: [`arn:${partition}:iam::${accountId}:role/aws-service-role/pullthroughcache.ecr.amazonaws.com/*`],
        conditions: { StringEquals: { "iam:AWSServiceName": "pullthroughcache.ecr.amazonaws.com" } },
      },
      ...(this.kmsKeyArn ? [{ sid: "EncryptMirrorRepositories", actions: ["kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant"], resources: [this.kmsKeyArn] }] : []),
    ];
  }

  /** The ARN of the pinned repository for `path` (e.g. `library/node`). */
  pinnedRepositoryArn(path: string): string {
    return formatArn(this, { service: "ecr", resource: `repository/${this.location.pinnedPrefix}/${path}` });
  }

  private templateRole(prefixes: readonly string[], kmsKeyArn: string): ServiceRole {
    const { accountId } = AwsStack.of(this);
    const role = new ServiceRole(this, "template-role", {
      roleName: `${this.name}-ecr-templates`,
      servicePrincipal: "ecr.amazonaws.com",
      description: "ECR creates the pull-through cache's repositories with it",
      trustConditions: { StringEquals: { "aws:SourceAccount": accountId } },
    });
    role.addToPrincipalPolicy({
      sid: "CreateCacheRepositories",
      actions: ["ecr:CreateRepository", "ecr:TagResource"],
      resources: prefixes.map((prefix) => formatArn(this, { service: "ecr", resource: `repository/${prefix}/*` })),
    });
    role.addToPrincipalPolicy({
      sid: "EncryptCacheRepositories",
      actions: ["kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant"],
      resources: [kmsKeyArn],
    });
    return role;
  }
}

/** `<account>.dkr.ecr.<region>.amazonaws.com` */
export function registryOf(location: Pick<MirrorLocation, "accountId" | "region">, urlSuffix = "amazonaws.com"): string {
  return `${location.accountId}.dkr.ecr.${location.region}.${urlSuffix}`;
}

/**
 * Pull from a mirror (this account's or another's): pull, import upstream
 * images into and create repositories under its cache prefixes; pull its
 * pinned repositories; and ECR login. Exact prefixes, nothing else.
 */
export function grantMirrorPull(scope: Construct, grantee: IGrantable, location: MirrorLocation): void {
  const arn = (prefix: string) =>
    formatArn(scope, { service: "ecr", region: location.region, accountId: location.accountId, resource: `repository/${prefix}/*` });
  const pull = ECR_PULL_ACTIONS;
  grantEcrLogin(grantee);
  grantee.addToPrincipalPolicy({
    sid: "PullThroughMirrorCache",
    actions: [...pull, "ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
    resources: location.cachePrefixes.map(arn),
  });
  grantee.addToPrincipalPolicy({ sid: "PullPinnedMirrorImages", actions: pull, resources: [arn(location.pinnedPrefix)] });
}

/** Who may pull: listed accounts, and principals of the organization (never `*` without the org condition). */
function principalStatements(partition: string, sharing: MirrorSharing, sid: string, body: Record<string, unknown>): Record<string, unknown>[] {
  const statements: Record<string, unknown>[] = [];
  if (sharing.accountIds && sharing.accountIds.length > 0) {
    statements.push({
      Sid: `${sid}FromAccounts`,
      Effect: "Allow",
      Principal: { AWS: sharing.accountIds.map((account) => `arn:${partition}:iam::${account}:root`) },
      ...body,
    });
  }
  if (sharing.organizationId) {
    statements.push({
      Sid: `${sid}FromOrganization`,
      Effect: "Allow",
      Principal: "*",
      ...body,
      Condition: { StringEquals: { "aws:PrincipalOrgID": sharing.organizationId } },
    });
  }
  return statements;
}

/** Repository policy: other accounts pull. */
function pullPolicy(partition: string, sharing: MirrorSharing): Record<string, unknown> {
  const body = { Action: ECR_PULL_ACTIONS };
  return { Version: "2012-10-17", Statement: principalStatements(partition, sharing, "Pull", body) };
}

/** Registry policy statements: other accounts' first pulls import upstream images and create the cache's repositories. */
function importStatements(scope: Construct, prefixes: readonly string[], sharing: MirrorSharing): RegistryPolicyStatement[] {
  const body = {
    Action: ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
    Resource: prefixes.map((prefix) => formatArn(scope, { service: "ecr", resource: `repository/${prefix}/*` })),
  };
  return principalStatements(AwsStack.of(scope).partition, sharing, "ImportThroughCache", body) as unknown as RegistryPolicyStatement[];
}
