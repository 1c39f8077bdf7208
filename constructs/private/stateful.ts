/**
 * What users rely on (images, credentials, allow-listed addresses, state):
 * one helper that protects such a resource and marks it for the policy rule
 * DP-DATA1, so the protection and the marking never drift apart.
 */
import { TerraformResource } from "cdktf";
import { STATEFUL_METADATA, StatefulMark } from "../../policies/rule";

/** `"retain"`: kept (`prevent_destroy`; forgotten, never deleted, when dropped). `"destroy"`: goes with the config. */
export type RemovalPolicy = "retain" | "destroy";

export interface ProtectStatefulOptions {
  /** What it holds, in words, for reports: "mirrored images". */
  readonly holds: string;
  /** @default "retain" */
  readonly removalPolicy?: RemovalPolicy;
  /** The prop that chose "destroy", for the report: "removalPolicy". @default "removalPolicy" */
  readonly removalPolicyProp?: string;
}

/**
 * Gives `resource` `prevent_destroy` unless the removal policy is "destroy",
 * and marks it as stateful either way. Returns whether it is retained.
 */
export function protectStateful(resource: TerraformResource, options: ProtectStatefulOptions): boolean {
  const retain = (options.removalPolicy ?? "retain") === "retain";
  if (retain) resource.lifecycle = { ...resource.lifecycle, preventDestroy: true };
  const mark: StatefulMark = retain ? { holds: options.holds } : { holds: options.holds, unprotectedBecause: `${options.removalPolicyProp ?? "removalPolicy"} is "destroy"` };
  resource.node.addMetadata(STATEFUL_METADATA, mark);
  return retain;
}
