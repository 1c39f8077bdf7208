/**
 * Terraform's top-level `removed`, `moved` and `import` blocks, added from
 * anywhere in a stack. cdktf writes them through the stack's escape hatch
 * (addOverride); one override per kind holds every block, so this module
 * gathers them per stack (a second override would replace the first).
 */
import { TerraformStack } from "cdktf";
import { IConstruct } from "constructs";

type Kind = "removed" | "moved" | "import";
const blocks = new WeakMap<TerraformStack, Record<Kind, Record<string, unknown>[]>>();

function add(scope: IConstruct, kind: Kind, block: Record<string, unknown>): void {
  const stack = TerraformStack.of(scope);
  const all = blocks.get(stack) ?? { removed: [], moved: [], import: [] };
  blocks.set(stack, all);
  const text = JSON.stringify(block);
  if (all[kind].some((existing) => JSON.stringify(existing) === text)) return;
  all[kind].push(block);
  stack.addOverride(kind, all[kind]);
}

/**
 * `removed { from = <address>, lifecycle { destroy = false } }`: Terraform
 * forgets the resource (every instance of it) and leaves it in AWS. For an
 * address that is not in the state this is a no-op.
 */
export function forget(scope: IConstruct, address: string): void {
  add(scope, "removed", { from: address, lifecycle: { destroy: false } });
}

/** `moved { from, to }`: the object at `from` in the state is now `to`. A no-op when `from` is not in the state. */
export function moved(scope: IConstruct, from: string, to: string): void {
  add(scope, "moved", { from, to });
}

/** `import { to, id }`: the existing object `id` becomes `to` (the object must exist). */
export function adopt(scope: IConstruct, to: string, id: string): void {
  add(scope, "import", { to, id });
}

/** `type.name["key"]`: the address of one instance of a for_each resource. */
export function instanceAddress(type: string, name: string, key: string): string {
  return `${type}.${name}[${JSON.stringify(key)}]`;
}
