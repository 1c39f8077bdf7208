import { createHash } from "node:crypto";
import { TerraformStack } from "cdktf";
import { Environment } from "../config/environment";
import { EgressNetwork } from "../constructs/egress-network";
import { forget } from "../constructs/private/terraform-blocks";

/** A resource's Terraform address: `<type>.<name>`. */
export interface ResourceAddress {
  readonly type: string;
  readonly name: string;
}

const address = (type: string, name: string): ResourceAddress => ({ type, name });

/**
 * Resources that hold what users rely on (stored credentials, allow-listed
 * addresses, mirrored and built images), and the records that store the
 * credentials. Their addresses are pinned, so refactoring the construct tree
 * never replaces them, and a stack that no longer needs them can name them
 * in `removed` blocks.
 */
export const RETAINED = {
  /** The record whose creation stores the Docker Hub credentials in SSM. */
  credentialsStore: address("terraform_data", "dockerhub_credentials"),
  /** The Elastic IP of the NAT gateway in zone `index` (zone 0 for a single NAT gateway). */
  egressIp: (index: number): ResourceAddress => address("aws_eip", `egress_ip_${index}`),
  mirrorSecret: address("aws_secretsmanager_secret", "dockerhub_mirror"),
  /** The record whose creation stores the mirror secret's first value. */
  mirrorSecretStore: address("terraform_data", "dockerhub_mirror_store"),
  /** The pinned mirror repositories and their policies: `for_each` resources keyed by repository path. */
  mirrorPinned: {
    repository: address("aws_ecr_repository", "mirror_pinned"),
    lifecyclePolicy: address("aws_ecr_lifecycle_policy", "mirror_pinned_lifecycle"),
    repositoryPolicy: address("aws_ecr_repository_policy", "mirror_pinned_policy"),
  },
  /** The registry's scanning configuration: forgotten when not managed, never destroyed (that resets the registry). */
  registryScanning: address("aws_ecr_registry_scanning_configuration", "registry_scanning"),
  registryPolicy: address("aws_ecr_registry_policy", "registry_policy"),
  /** The repository the build pushes to, and its lifecycle policy. */
  imageRepository: {
    repository: address("aws_ecr_repository", "image_repository"),
    lifecyclePolicy: address("aws_ecr_lifecycle_policy", "image_repository_lifecycle"),
  },
} as const;

/**
 * What earlier versions of this stack kept at other addresses, or managed and
 * no longer do: `moved` blocks carry the first kind to their new address;
 * the second kind is forgotten (never destroyed) by every deploy.
 */
export const LEGACY = {
  /** The SSM parameters, once Terraform resources: now stored outside what Terraform refreshes. */
  dockerHubParameters: [address("aws_ssm_parameter", "dockerhub_username"), address("aws_ssm_parameter", "dockerhub_token")],
  /** The secret's first version, once a Terraform resource: refreshing it read the token. */
  mirrorSecretVersion: address("aws_secretsmanager_secret_version", "dockerhub_mirror_initial"),
  /** A pinned repository, once a resource of its own per image path. */
  mirrorRepository: (path: string): ResourceAddress => address("aws_ecr_repository", `mirror_${path.replace(/[^A-Za-z0-9]/g, "_")}`),
  /** A pinned repository's lifecycle policy, once a resource of its own, at the id cdktf derived from its construct path. */
  mirrorLifecyclePolicy: (path: string): ResourceAddress => address("aws_ecr_lifecycle_policy", pathId("mirror", `pinned-${pinnedId(path)}-lifecycle`)),
  /** A pinned repository's policy (with sharing), likewise. */
  mirrorRepositoryPolicy: (path: string): ResourceAddress => address("aws_ecr_repository_policy", pathId("mirror", `pinned-${pinnedId(path)}-policy`)),
  /** The image repository and its lifecycle policy, at the ids cdktf derived from their construct paths. */
  imageRepository: address("aws_ecr_repository", pathId("images", "repository")),
  imageRepositoryLifecycle: address("aws_ecr_lifecycle_policy", pathId("images", "lifecycle")),
  /** The registry's singletons, once the mirror's own resources. */
  registryScanning: address("aws_ecr_registry_scanning_configuration", "mirror_scanning_AE031D0F"),
  registryPolicy: address("aws_ecr_registry_policy", "mirror_registry-policy_445D0F03"),
} as const;

/** A pinned image path as the construct id it once was part of. */
function pinnedId(path: string): string {
  return path.replace(/[^A-Za-z0-9-]/g, "-");
}

/**
 * The logical id cdktf gives a resource at this construct path under the
 * stack: the path's parts joined by "_", then the first 8 hex digits of the
 * MD5 of the parts joined by "/". Recorded in the state of every deploy
 * made while the resource had no pinned id, so it is part of the contract.
 */
function pathId(...parts: string[]): string {
  const hash = createHash("md5").update(parts.join("/")).digest("hex").slice(0, 8).toUpperCase();
  return `${parts.map((part) => part.replace(/[^A-Za-z0-9_-]/g, "")).join("_")}_${hash}`;
}

export function addressOf(resource: ResourceAddress): string {
  return `${resource.type}.${resource.name}`;
}

/**
 * Emits `removed { lifecycle { destroy = false } }` for each address: when
 * the config stops creating these resources, Terraform forgets them and
 * leaves them in AWS instead of destroying them. For an address that was
 * never in state this is a no-op.
 */
export function retain(stack: TerraformStack, addresses: readonly ResourceAddress[]): void {
  for (const resource of addresses) forget(stack, addressOf(resource));
}

/**
 * Elastic IPs a previous config may have created and this one does not use
 * (another strategy, fewer NAT gateways, addresses of your own, a teardown):
 * forgotten, never released, unless the user chose "destroy".
 */
export function retainElasticIps(stack: TerraformStack, environment: Environment, inUse: number): void {
  const network = environment.network;
  if (network.vpc === "new" && network.elasticIps.removalPolicy === "destroy") return;
  const unused = Array.from({ length: EgressNetwork.MAX_AVAILABILITY_ZONES }, (_, i) => i).filter((i) => i >= inUse);
  retain(stack, unused.map(RETAINED.egressIp));
}

/**
 * A mirror the stack does not host (another strategy, another account's
 * mirror, a teardown): Terraform forgets its Docker Hub secret and every
 * pinned repository with its policies, as a whole, and deletes none of them,
 * unless the user chose "destroy".
 */
export function retainMirror(stack: TerraformStack, environment: Environment): void {
  const config = environment.mirror;
  if (config.registry === "own" && config.removalPolicy === "destroy") return;
  const { repository, lifecyclePolicy, repositoryPolicy } = RETAINED.mirrorPinned;
  const legacy =
    config.registry === "own"
      ? config.pinnedRepositories.flatMap((path) => [LEGACY.mirrorRepository(path), LEGACY.mirrorLifecyclePolicy(path), LEGACY.mirrorRepositoryPolicy(path)])
      : [];
  retain(stack, [RETAINED.mirrorSecret, RETAINED.mirrorSecretStore, repository, lifecyclePolicy, repositoryPolicy, ...legacy]);
}

/**
 * The record that stored the Docker Hub credentials in SSM, when the stack
 * stops keeping them (another strategy, a teardown): forgotten. Destroying
 * it would delete nothing (the parameters were never Terraform's), but a
 * review would show a destroy where nothing goes.
 */
export function retainCredentialsStore(stack: TerraformStack): void {
  retain(stack, [RETAINED.credentialsStore]);
}

/** The build's image repository, when the stack stops creating it: forgotten with its images, unless the user chose "destroy". */
export function retainImageRepository(stack: TerraformStack, environment: Environment): void {
  if (environment.build.imageRepository.removalPolicy === "destroy") return;
  const { repository, lifecyclePolicy } = RETAINED.imageRepository;
  retain(stack, [LEGACY.imageRepository, LEGACY.imageRepositoryLifecycle, repository, lifecyclePolicy]);
}

/**
 * The registry's scanning configuration, when the stack does not manage it
 * (or stops, or is torn down): forgotten, never destroyed, because deleting
 * it resets every repository of the registry to manual scanning.
 */
export function retainRegistryScanning(stack: TerraformStack): void {
  retain(stack, [LEGACY.registryScanning, RETAINED.registryScanning]);
}

/**
 * The registry policy in a teardown: forgotten when it holds the account's
 * own statements (config), deleted when it only held the mirror's.
 */
export function retainRegistryPolicy(stack: TerraformStack, environment: Environment): void {
  if (environment.registry.policy.additionalStatements.length > 0) retain(stack, [LEGACY.registryPolicy, RETAINED.registryPolicy]);
}
