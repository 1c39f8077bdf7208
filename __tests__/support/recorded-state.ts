/** Hand-written Terraform state: what a real deploy would have recorded, for plans against it. */
import { PROVIDER } from "../../terraform";

/** A resource instance in a hand-written state: what a real deploy would have recorded. */
export interface ExistingResource {
  readonly type: string;
  readonly name: string;
  readonly attributes: Record<string, unknown>;
  /** Attributes Terraform marked sensitive when it recorded them (from the schema and from sensitive inputs). */
  readonly sensitive?: readonly string[];
}

/** A state file holding `resources`, as a deploy would have left it. */
export function stateWith(resources: readonly ExistingResource[]): Record<string, unknown> {
  return {
    version: 4,
    terraform_version: "1.11.0",
    serial: 1,
    lineage: "4f1f6d3c-0000-4000-8000-offline00test",
    outputs: {},
    resources: resources.map((resource) => ({
      mode: "managed",
      type: resource.type,
      name: resource.name,
      provider: `provider["registry.terraform.io/${PROVIDER.namespace}/${PROVIDER.type}"]`,
      instances: [
        {
          schema_version: 0,
          attributes: resource.attributes,
          sensitive_attributes: (resource.sensitive ?? []).map((attribute) => [{ type: "get_attr", value: attribute }]),
        },
      ],
    })),
    check_results: null,
  };
}
