/**
 * What the emulator (moto 5.2.1) cannot serve, in one place, each with the
 * reason. The apply tests leave these resources out of what they apply,
 * together with everything that depends on them; the plan tests still cover
 * them through the real provider. Nothing stands in for them.
 */
import { environmentFrom, merge, readShipped } from "./environments";

export interface EmulatorGap {
  readonly type: string;
  /** Only the resources of `type` whose configuration this matches. @default - every resource of the type */
  readonly when?: (config: Record<string, unknown>) => boolean;
  readonly reason: string;
}

const sourceType = (config: Record<string, unknown>) => (config.source as { type?: string } | undefined)?.type;

export const EMULATOR_GAPS: readonly EmulatorGap[] = [
  {
    type: "aws_ecr_pull_through_cache_rule",
    reason: "moto 5.2.1 does not implement CreatePullThroughCacheRule (the provider retries until its timeout)",
  },
  {
    type: "aws_ecr_repository_creation_template",
    reason: "moto 5.2.1 does not implement CreateRepositoryCreationTemplate (the provider retries until its timeout)",
  },
  {
    type: "aws_ecr_registry_policy",
    reason:
      "moto 5.2.1 accepts only ecr:CreateRepository and ecr:ReplicateImage in a registry policy; AWS also accepts " +
      "ecr:BatchImportUpstreamImage, which cross-account pulls through the cache need (ECR user guide: registry permissions)",
  },
  {
    type: "aws_codebuild_project",
    when: (config) => sourceType(config) === "CODEPIPELINE" || sourceType(config) === "NO_SOURCE",
    reason: "moto 5.2.1's CreateProject requires a source location for every source type; AWS requires none for CODEPIPELINE and NO_SOURCE",
  },
  {
    type: "aws_s3_bucket_policy",
    reason:
      "moto 5.2.1 evaluates a bucket policy's conditioned statement as matching whatever its condition says (it sets no condition keys), " +
      "so the state bucket's TLS-only Deny (aws:SecureTransport false) refuses every request; ci-roles.test.ts proves the policy with the IAM simulator",
  },
  {
    type: "aws_codebuild_webhook",
    reason: "moto 5.2.1 does not implement CreateWebhook (the provider retries until its timeout)",
  },
];

/**
 * Where moto 5.2.1 is looser or stricter than AWS in what the stacks do; the
 * tests rely on none of the looser behaviour to pass.
 *
 * Looser: it accepts an SSM SecureString whose KMS key does not exist (AWS:
 * InvalidKeyId); it enforces no IAM policy unless told to; it answers as
 * the account it was started for, whatever the credentials; NAT gateways and
 * Elastic IPs are ready at once; an image can be put without layers.
 * Stricter or missing: the gaps above; CodeBuild has no UpdateProject, so a
 * project is applied only where a scenario never changes it (the README
 * keeps the same list).
 */

export interface Excluded {
  readonly address: string;
  readonly type: string;
  /** The gap's reason, or "depends on <address>". */
  readonly reason: string;
}

type Blocks = Record<string, Record<string, Record<string, unknown>>>;

/** `aws_x.y` appears in `text` as a reference (followed by `.`, `[` or the end of an expression). */
function refersTo(text: string, address: string): boolean {
  const escaped = address.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
  return new RegExp(`(?<![A-Za-z0-9_])${escaped}(?=[.\\["}\\s,)])`).test(text);
}

/**
 * The stack without what the emulator cannot serve: the gaps, everything that
 * refers to or depends on them (to any depth), the outputs that show them,
 * and the moved and import blocks that lead to them.
 */
export function withoutGaps(stackJson: Record<string, unknown>): { json: Record<string, unknown>; excluded: Excluded[]; applied: string[] } {
  const json = structuredClone(stackJson) as { resource?: Blocks; output?: Record<string, unknown>; moved?: unknown[]; import?: unknown[] };
  const resources = Object.entries(json.resource ?? {}).flatMap(([type, byName]) =>
    Object.entries(byName).map(([name, config]) => ({ address: `${type}.${name}`, type, name, config, text: JSON.stringify(config) })),
  );
  const excluded = new Map<string, Excluded>();
  for (const resource of resources) {
    const gap = EMULATOR_GAPS.find((g) => g.type === resource.type && (g.when?.(resource.config) ?? true));
    if (gap) excluded.set(resource.address, { address: resource.address, type: resource.type, reason: gap.reason });
  }
  for (let grew = true; grew; ) {
    grew = false;
    for (const resource of resources) {
      if (excluded.has(resource.address)) continue;
      const cause = [...excluded.keys()].find((address) => refersTo(resource.text, address));
      if (cause) {
        excluded.set(resource.address, { address: resource.address, type: resource.type, reason: `depends on ${cause}` });
        grew = true;
      }
    }
  }
  for (const { type, name } of resources.filter((r) => excluded.has(r.address))) {
    delete json.resource![type][name];
    if (Object.keys(json.resource![type]).length === 0) delete json.resource![type];
  }
  const leadsToExcluded = (block: unknown) => [...excluded.keys()].some((address) => refersTo(JSON.stringify(block), address));
  for (const [name, output] of Object.entries(json.output ?? {})) if (leadsToExcluded(output)) delete json.output![name];
  if (json.moved) json.moved = json.moved.filter((block) => !leadsToExcluded(block));
  if (json.import) json.import = json.import.filter((block) => !leadsToExcluded(block));
  return {
    json: json as Record<string, unknown>,
    excluded: [...excluded.values()].sort((a, b) => a.address.localeCompare(b.address)),
    applied: resources.filter((r) => !excluded.has(r.address)).map((r) => r.address),
  };
}

/** A Git source for the build project: moto creates no project with a CODEPIPELINE source (the gap above). */
export const GIT_SOURCE = { type: "GITHUB", location: "https://github.com/example-org/app.git" } as const;

/** The shipped prod file with a Git source, and `patch` on top: prod as the apply tests can deploy it whole. */
export function prodWithGitSource(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return merge(readShipped("prod"), { build: { source: GIT_SOURCE }, ...patch });
}

/** prod as the bootstrap apply tests deploy it (a Git source), with its bootstrap and the state bucket's names. */
export function prodBootstrap() {
  const prod = environmentFrom(prodWithGitSource(), "prod");
  const bootstrap = prod.bootstrap!;
  return {
    prod,
    bootstrap,
    bucket: bootstrap.stateBucket!.name,
    /** prod's state, in the bucket. */
    stateKey: bootstrap.environmentState!.key,
    /** The bootstrap's own state, in the bucket once moved there. */
    bootstrapKey: bootstrap.stateKey,
  };
}
