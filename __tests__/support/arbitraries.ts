/**
 * fast-check generators of environment files: valid ones, over every section
 * and option, and single mutations that make one invalid, each with the field
 * its error must name.
 */
import * as fc from "fast-check";
import { LOG_RETENTION_DAYS, STRATEGIES } from "../../config";
import { formatCidr } from "../../aws/cidr";
import { KNOWN_REGIONS } from "../../aws/regions";

const digits = (length: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length, maxLength: length }).map((d) => d.join(""));
const hex = (length: number) => fc.array(fc.integer({ min: 0, max: 15 }), { minLength: length, maxLength: length }).map((d) => d.map((n) => n.toString(16)).join(""));
const name = fc
  .tuple(fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz"), fc.array(fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789-"), { maxLength: 14 }), fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789"))
  .map(([first, middle, last]) => `${first}${middle.join("")}${last}`);

const REGIONS = ["eu-west-1", "us-east-1", "eu-central-1", "ap-northeast-1", "us-west-2"] as const;
const IMAGES = ["library/node:20", "library/python:3.12-slim", "public.ecr.aws/docker/library/alpine:3.20", "bitnami/redis:7.2", "library/golang:1.23"];

/** A private block /16 to /24 with its host bits clear. */
export const privateCidr = fc
  .tuple(fc.constantFrom([0x0a000000, 8], [0xac100000, 12], [0xc0a80000, 16]), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 16, max: 24 }))
  .map(([[base, basePrefix], random, prefix]) => {
    const host = random % 2 ** (32 - basePrefix);
    const mask = (0xffffffff << (32 - prefix)) >>> 0;
    return formatCidr({ network: ((base + host) & mask) >>> 0, prefix });
  });

function network(region: string) {
  const zones = fc.subarray(["a", "b", "c"].map((l) => `${region}${l}`).filter((z) => region !== "ap-northeast-1" || !z.endsWith("b")), { minLength: 1 });
  const created = fc.record(
    {
      cidr: privateCidr,
      availabilityZones: zones,
      natGateways: fc.constantFrom("single", "per-az"),
      egressPorts: fc.oneof(fc.constant("all"), fc.uniqueArray(fc.constantFrom(80, 443, 22, 9418), { minLength: 1 })),
      endpoints: fc.record({ s3: fc.boolean(), ecr: fc.boolean(), logs: fc.boolean() }, { requiredKeys: [] }),
      elasticIps: fc.record({ removalPolicy: fc.constantFrom("retain", "destroy") }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  );
  const existing = fc.record({
    vpc: fc.constant("existing"),
    vpcId: hex(17).map((h) => `vpc-${h}`),
    privateSubnetIds: fc.uniqueArray(hex(17).map((h) => `subnet-${h}`), { minLength: 1, maxLength: 3 }),
  });
  return fc.oneof(created, existing);
}

function mirror(account: string) {
  const own = fc.record(
    {
      images: fc.subarray(IMAGES),
      lifecycle: fc.record({ untaggedExpiryDays: fc.integer({ min: 1, max: 90 }), keepLastImages: fc.integer({ min: 1, max: 500 }) }, { requiredKeys: [] }),
      sharing: fc.record({ accountIds: fc.uniqueArray(digits(12).filter((a) => a !== account), { maxLength: 2 }) }),
      tagMutability: fc.constantFrom("MUTABLE", "IMMUTABLE"),
      removalPolicy: fc.constantFrom("retain", "destroy"),
      upstreams: fc.constantFrom([], [{ prefix: "quay", url: "quay.io" }]),
      adoptExisting: fc.boolean(),
    },
    { requiredKeys: [] },
  );
  const shared = fc.record({ registry: fc.constant("shared"), accountId: digits(12) });
  return fc.oneof(own, shared);
}

const build = fc.record(
  {
    computeType: fc.constantFrom("BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE"),
    timeoutMinutes: fc.integer({ min: 5, max: 2160 }),
    logRetentionDays: fc.constantFrom(...LOG_RETENTION_DAYS),
    source: fc.oneof(
      fc.constant({ type: "CODEPIPELINE" }),
      fc.record({ type: fc.constantFrom("GITHUB", "BITBUCKET", "GITLAB"), location: name.map((n) => `https://example.com/team/${n}.git`), webhook: fc.record({ enabled: fc.boolean(), branches: fc.constant(["main"]) }) }),
    ),
    imageRepository: fc.record({ create: fc.boolean(), keepLastImages: fc.integer({ min: 1, max: 1000 }), tagMutability: fc.constantFrom("IMMUTABLE", "MUTABLE") }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

/** A valid environment file (as written: every optional section may be missing). */
export const validEnvironmentFile = fc
  .record({ account: digits(12), region: fc.constantFrom(...REGIONS), strategy: fc.subarray([...STRATEGIES], { minLength: 1 }) })
  .chain(({ account, region, strategy }) =>
    fc.record(
      {
        account: fc.constant(account),
        region: fc.constant(region),
        strategy: strategy.length === 1 ? fc.constantFrom(strategy[0], strategy) : fc.constant(strategy),
        project: name.filter((n) => n.length >= 2 && n.length <= 24),
        tags: fc.dictionary(name, name, { maxKeys: 3 }),
        dockerHub: fc.record({ username: name.filter((n) => /^[a-z0-9]{4,30}$/.test(n)) }, { requiredKeys: [] }),
        build,
        network: network(region),
        mirror: mirror(account),
        estimates: fc.record({ pullsPerBuild: fc.integer({ min: 0, max: 50 }), dockerHubPlan: fc.constantFrom("personal", "pro") }, { requiredKeys: [] }),
      },
      { requiredKeys: ["account", "region", "strategy"] },
    ),
  );

export interface Mutation {
  readonly describe: string;
  /** The field the error must name (a problem path equal to it, or under it). */
  readonly field: string;
  apply(file: Record<string, unknown>): Record<string, unknown>;
}

const set = (path: string[], value: unknown) => (file: Record<string, unknown>) => {
  const copy = structuredClone(file);
  let node = copy as Record<string, unknown>;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== "object" || node[key] === null || Array.isArray(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
  return copy;
};

/** One change that makes a valid file invalid, and the field it breaks. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.string({ maxLength: 14 }).filter((s) => !/^\d{12}$/.test(s)).map((v) => ({ describe: `account ${JSON.stringify(v)}`, field: "account", apply: set(["account"], v) })),
  fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !KNOWN_REGIONS.includes(s)).map((v) => ({ describe: `region ${JSON.stringify(v)}`, field: "region", apply: set(["region"], v) })),
  fc.string({ maxLength: 10 }).filter((s) => !(STRATEGIES as readonly string[]).includes(s)).map((v) => ({ describe: `strategy ${JSON.stringify(v)}`, field: "strategy", apply: set(["strategy"], v) })),
  fc.constantFrom("", "Upper", "-x", "x_y", "a".repeat(30)).map((v) => ({ describe: `project ${JSON.stringify(v)}`, field: "project", apply: set(["project"], v) })),
  fc.oneof(fc.integer({ min: -100, max: 4 }), fc.integer({ min: 2161, max: 10000 })).map((v) => ({ describe: `timeout ${v}`, field: "build.timeoutMinutes", apply: set(["build", "timeoutMinutes"], v) })),
  fc.integer({ min: 0, max: 4000 }).filter((d) => !(LOG_RETENTION_DAYS as readonly number[]).includes(d)).map((v) => ({ describe: `retention ${v}`, field: "build.logRetentionDays", apply: set(["build", "logRetentionDays"], v) })),
  fc.constantFrom("node:20", "ubuntu:22.04", "ghcr.io/org/image:1").map((v) => ({ describe: `build image ${v}`, field: "build.image", apply: set(["build", "image"], v) })),
  fc.constantFrom("8.8.0.0/16", "10.0.0.0/8", "10.0.0.1/16", "300.1.0.0/16").map((v) => ({ describe: `cidr ${v}`, field: "network.cidr", apply: set(["network"], { cidr: v }) })),
  fc.constantFrom("node:20", "library/node", "Library/Node:1").map((v) => ({ describe: `image ${v}`, field: "mirror.images[0]", apply: set(["mirror"], { images: [v] }) })),
  fc
    .tuple(fc.constantFrom([], ["build"], ["dockerHub"], ["estimates"]), name.filter((n) => !["username"].includes(n)).map((n) => `zz${n}`))
    .map(([at, key]) => ({ describe: `unknown key ${[...at, key].join(".")}`, field: [...at, key].join("."), apply: set([...at, key], 1) })),
);
