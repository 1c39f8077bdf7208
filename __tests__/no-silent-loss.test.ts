/**
 * No silent loss: flipping any shipped environment from any strategy mix to
 * any other never plans the destruction of stored credentials, Elastic IPs or
 * mirrored images. Checked on the synthesized configuration: everything the
 * first config protects is, in the second, still there and protected, or
 * named in a `removed` block that keeps it in AWS. Only the explicit opt-in
 * (removalPolicy "destroy") lets it go.
 */
import { Strategy, STRATEGIES } from "../config";
import { environmentFrom, merge, readShipped, shippedEnvironmentNames, synthStackJson } from "./support/environments";

type Json = Record<string, unknown>;

/** Every non-empty mix of strategies. */
const MIXES: Strategy[][] = Array.from({ length: 2 ** STRATEGIES.length - 1 }, (_, i) => STRATEGIES.filter((_, bit) => (i + 1) & (1 << bit)));

/** The resources a config protects (prevent_destroy): what users rely on. */
function protectedAddresses(stack: Json): string[] {
  return Object.entries((stack.resource ?? {}) as Record<string, Record<string, Json>>).flatMap(([type, byName]) =>
    Object.entries(byName)
      .filter(([, config]) => (config.lifecycle as { prevent_destroy?: boolean } | undefined)?.prevent_destroy === true)
      .map(([name]) => `${type}.${name}`),
  );
}

/** What the second config does with an address the first one protected. */
function fate(stack: Json, address: string): "kept" | "forgotten" | "destroyed" {
  const [type, name] = address.split(".");
  const resource = ((stack.resource ?? {}) as Record<string, Record<string, Json>>)[type]?.[name];
  if (resource) return (resource.lifecycle as { prevent_destroy?: boolean } | undefined)?.prevent_destroy ? "kept" : "destroyed";
  const removed = ((stack.removed ?? []) as { from: string; lifecycle: { destroy: boolean } }[]).find((r) => r.from === address);
  return removed?.lifecycle.destroy === false ? "forgotten" : "destroyed";
}

describe.each(shippedEnvironmentNames())("%s, flipped between every pair of strategy mixes", (name) => {
  const synth = (strategies: Strategy[], patch: Json = {}) => synthStackJson(environmentFrom(merge({ ...readShipped(name), strategy: strategies }, patch), name));
  const stacks = new Map(MIXES.map((mix) => [mix.join("+"), synth(mix)]));
  const pairs = MIXES.flatMap((from) => MIXES.filter((to) => to !== from).map((to) => [from.join("+"), to.join("+")] as const));

  test("something is protected in some mix (the check has something to check)", () => {
    expect(MIXES.some((mix) => protectedAddresses(stacks.get(mix.join("+"))!).length > 0)).toBe(true);
  });

  test.each(pairs)("%s -> %s destroys nothing protected", (from, to) => {
    const lost = protectedAddresses(stacks.get(from)!).filter((address) => fate(stacks.get(to)!, address) === "destroyed");
    expect(lost).toEqual([]);
  });

  test('with removalPolicy "destroy" everywhere (the opt-in), dropping every strategy but one lets them go', () => {
    const mirrorIsShared = (readShipped(name).mirror as Json | undefined)?.registry === "shared";
    const optIn = {
      network: { elasticIps: { removalPolicy: "destroy" } },
      ...(mirrorIsShared ? {} : { mirror: { removalPolicy: "destroy" } }),
    };
    const all = synth([...STRATEGIES], optIn);
    const fewer = synth(["authenticated"], optIn);
    const stateful = Object.entries((all.resource ?? {}) as Record<string, Record<string, Json>>)
      .filter(([type]) => ["aws_eip", "aws_secretsmanager_secret"].includes(type))
      .flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`));
    expect(stateful.length).toBeGreaterThan(0);
    for (const address of stateful) expect(fate(fewer, address)).toBe("destroyed");
  });
});
