import { TerraformStack } from "cdktf";

/** A resource's Terraform address: `<type>.<name>`. */
export interface ResourceAddress {
  readonly type: string;
  readonly name: string;
}

/**
 * Resources that hold what users rely on (stored credentials, allow-listed
 * addresses, mirrored images). Their
 * addresses are pinned, so refactoring the construct tree never replaces
 * them, and a stack that no longer needs them can name them in `removed`.
 */
export const RETAINED = {
  dockerHubUsername: { type: "aws_ssm_parameter", name: "dockerhub_username" },
  dockerHubToken: { type: "aws_ssm_parameter", name: "dockerhub_token" },
  /** The Elastic IP of the NAT gateway in zone `index` (zone 0 for a single NAT gateway). */
  egressIp: (index: number): ResourceAddress => ({ type: "aws_eip", name: `egress_ip_${index}` }),
  mirrorSecret: { type: "aws_secretsmanager_secret", name: "dockerhub_mirror" },
  mirrorSecretVersion: { type: "aws_secretsmanager_secret_version", name: "dockerhub_mirror_initial" },
  /** The pinned mirror repository for an image path such as `library/node`. */
  mirrorRepository: (path: string): ResourceAddress => ({ type: "aws_ecr_repository", name: `mirror_${path.replace(/[^A-Za-z0-9]/g, "_")}` }),
} as const;

/**
 * Emits `removed { lifecycle { destroy = false } }` for each address: when
 * the config stops creating these resources, Terraform forgets them and
 * leaves them in AWS instead of destroying them. For an address that was
 * never in state this is a no-op.
 */
export function retain(stack: TerraformStack, addresses: readonly ResourceAddress[]): void {
  const all = [...(retained.get(stack) ?? []), ...addresses];
  retained.set(stack, all);
  // One override holds every block: a second override of "removed" would replace the first.
  stack.addOverride(
    "removed",
    all.map((address) => ({ from: `${address.type}.${address.name}`, lifecycle: { destroy: false } })),
  );
}

const retained = new WeakMap<TerraformStack, ResourceAddress[]>();
