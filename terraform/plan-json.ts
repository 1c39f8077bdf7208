/** Terraform's machine-readable plan (`terraform show -json`) and state, as far as this project reads them. */

export interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly name: string;
  /** The for_each key or count index, when the resource has one. */
  readonly index?: string | number;
  readonly change: {
    readonly actions: string[];
    readonly before?: Record<string, unknown> | null;
    readonly after: Record<string, unknown> | null;
  };
}

export interface PlanJson {
  readonly resource_changes?: ResourceChange[];
  readonly planned_values: {
    readonly outputs?: Record<string, { value?: unknown; sensitive: boolean }>;
    readonly root_module: { readonly resources?: { address: string; type: string; values: Record<string, unknown> }[] };
  };
  readonly configuration: Record<string, unknown>;
  readonly errored: boolean;
}

/** One resource instance in a state file. */
export interface StateInstance {
  readonly index_key?: string | number;
  readonly attributes: Record<string, unknown>;
}

export interface StateJson {
  readonly resources: readonly { mode: string; type: string; name: string; instances: StateInstance[] }[];
  readonly outputs?: Record<string, { value: unknown; sensitive?: boolean }>;
}

/** The planned changes of one resource type. */
export function changesOf(plan: PlanJson, type: string): ResourceChange[] {
  return (plan.resource_changes ?? []).filter((change) => change.type === type);
}

/** Planned resources by address (root module). */
export function plannedResources(plan: PlanJson): Map<string, { type: string; values: Record<string, unknown> }> {
  return new Map((plan.planned_values.root_module.resources ?? []).map((resource) => [resource.address, resource]));
}

/** The changes that do something (not no-op, not read), as `[address, actions]`. */
export function effectiveChanges(plan: PlanJson): { address: string; actions: string[] }[] {
  return (plan.resource_changes ?? [])
    .filter((change) => !change.change.actions.every((action) => action === "no-op" || action === "read"))
    .map((change) => ({ address: change.address, actions: change.change.actions }));
}

/** Managed resource addresses in a state (with their instance keys). */
export function stateAddresses(state: StateJson | undefined): string[] {
  return (state?.resources ?? [])
    .filter((resource) => resource.mode === "managed")
    .flatMap((resource) =>
      resource.instances.map((instance) =>
        instance.index_key === undefined
          ? `${resource.type}.${resource.name}`
          : `${resource.type}.${resource.name}[${JSON.stringify(instance.index_key)}]`,
      ),
    );
}

/** One saved plan: its working directory, its JSON and what Terraform printed. */
export interface PlanResult {
  /** The working directory, with the saved plan (plan.bin). */
  readonly dir: string;
  /** `terraform show -json` of the saved plan. */
  readonly plan: PlanJson;
  /** Everything Terraform printed, for secret checks. */
  readonly output: string;
}
