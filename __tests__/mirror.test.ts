/** The ECR mirror: its config, its constructs, and the sync script run in bash. */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { CodebuildProject } from "@cdktf/provider-aws/lib/codebuild-project";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { Construct } from "constructs";
import { Problem } from "../config";
import { DockerBuildProject, DockerHubSecret, EcrMirror, MirrorSync } from "../constructs";
import { scriptPath } from "../constructs/buildspec";
import { repositoryPathOf } from "../aws/images";
import { RETAINED } from "../stacks";
import { environmentFrom, merge, minimalFile, readShipped, resourcesIn, synthIn, synthStackJson } from "./support/environments";
import { problemsOf as problemsOfFile } from "./support/environments";
import { StandIns } from "./support/stand-ins";

const synth = (build: (scope: Construct) => void) => synthIn("333333333333", "eu-west-1", build);
const resources = resourcesIn;
const secretOf = (scope: Construct) => new DockerHubSecret(scope, "secret", { secretName: "ecr-pullthroughcache/team-docker-hub", username: "exampleteam" });

describe("mirror config", () => {
  const problemsOf = (patch: Record<string, unknown>): Problem[] => problemsOfFile(merge(minimalFile({ strategy: "mirror" }), patch));

  test("defaults: an own mirror with docker-hub and ecr-public caches, nothing pinned, daily sync, kept on removal", () => {
    expect(environmentFrom(minimalFile({ strategy: "mirror" }), "qa").mirror).toEqual({
      registry: "own",
      cachePrefixes: { dockerHub: "docker-hub", ecrPublic: "ecr-public" },
      upstreams: [],
      pinnedPrefix: "mirror",
      images: [],
      sync: { schedule: "rate(1 day)" },
      lifecycle: { untaggedExpiryDays: 7, keepLastImages: 50 },
      scanOnPush: true,
      tagMutability: "MUTABLE",
      sharing: { accountIds: [] },
      removalPolicy: "retain",
      retiredImages: [],
      adoptExisting: false,
      secretName: "ecr-pullthroughcache/docker-builds-qa-docker-hub",
      syncProjectName: "docker-builds-qa-mirror-sync",
      pinnedRepositories: [],
      retiredRepositories: [],
    });
  });

  test("another account's mirror: its account, this region by default, the same prefixes", () => {
    expect(environmentFrom(merge(minimalFile({ strategy: "mirror" }), { mirror: { registry: "shared", accountId: "333333333333" } })).mirror).toEqual({
      registry: "shared",
      accountId: "333333333333",
      region: "eu-west-1",
      cachePrefixes: { dockerHub: "docker-hub", ecrPublic: "ecr-public" },
      upstreamPrefixes: [],
      pinnedPrefix: "mirror",
    });
  });

  test.each([
    ["library/node:20", "library/node"],
    ["library/python:3.12-slim", "library/python"],
    ["public.ecr.aws/docker/library/alpine:3.20", "docker/library/alpine"],
    ["ghcr.io/org/tool:1.2", "org/tool"],
    ["localhost:5000/team/app:1", "team/app"],
    ["bitnami/redis:7.2", "bitnami/redis"],
  ])("the image %s lands in the repository <pinned prefix>/%s", (image, repository) => {
    expect(repositoryPathOf(image)).toBe(repository);
  });

  test.each<[string, Record<string, unknown>, string, RegExp]>([
    ["an official image without library/", { mirror: { images: ["node:20"] } }, "mirror.images[0]", /write library\/<name>:<tag>/],
    ["an image without a tag", { mirror: { images: ["library/node"] } }, "mirror.images[0]", /an image by tag/],
    ["an image by digest", { mirror: { images: ["library/node@sha256:abc"] } }, "mirror.images[0]", /an image by tag/],
    ["an image listed twice", { mirror: { images: ["library/node:20", "library/node:20"] } }, "mirror.images[1]", /listed twice/],
    ["two caches on one prefix", { mirror: { cachePrefixes: { ecrPublic: "docker-hub" } } }, "mirror.cachePrefixes.ecrPublic", /already used by another mirror prefix/],
    ["the pinned prefix on a cache's", { mirror: { pinnedPrefix: "ecr-public" } }, "mirror.pinnedPrefix", /already used/],
    ["a prefix with capitals", { mirror: { pinnedPrefix: "Mirror" } }, "mirror.pinnedPrefix", /ECR repository prefix/],
    ["an upstream ECR cannot cache", { mirror: { upstreams: [{ prefix: "hub2", url: "docker.io" }] } }, "mirror.upstreams[0].url", /one of "quay.io", "ghcr.io"/],
    ["GHCR without credentials", { mirror: { upstreams: [{ prefix: "ghcr", url: "ghcr.io" }] } }, "mirror.upstreams[0].credentialSecretName", /required for ghcr.io/],
    ["a credential secret ECR will not read", { mirror: { upstreams: [{ prefix: "ghcr", url: "ghcr.io", credentialSecretName: "ghcr-token" }] } }, "mirror.upstreams[0].credentialSecretName", /ecr-pullthroughcache\//],
    ["a schedule Scheduler refuses", { mirror: { sync: { schedule: "daily" } } }, "mirror.sync.schedule", /rate\(1 day\) or cron/],
    ["an alarm topic that is not an SNS ARN", { mirror: { sync: { alarmTopicArn: "arn:aws:sqs:eu-west-1:123456789012:q" } } }, "mirror.sync.alarmTopicArn", /SNS topic ARN/],
    ["a mirror key in another region", { mirror: { kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/0b9c6c1e-7d1a-4c4e-9a51-2f4d0b7e6a11" } }, "mirror.kmsKeyArn", /must be in eu-west-1/],
    ["a mirror key alias", { mirror: { kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:alias/ecr" } }, "mirror.kmsKeyArn", /aliases do not work/],
    ["a bad organization id", { mirror: { sharing: { organizationId: "org-1" } } }, "mirror.sharing.organizationId", /o-a1b2c3d4e5/],
    ["sharing with yourself", { mirror: { sharing: { accountIds: ["123456789012"] } } }, "mirror.sharing.accountIds[0]", /own account/],
    ["a shared mirror without its account", { mirror: { registry: "shared" } }, "mirror.accountId", /missing \(required\)/],
    ["own-mirror fields on a shared mirror", { mirror: { registry: "shared", accountId: "333333333333", images: ["library/node:20"] } }, "mirror.images", /unknown field; allowed here: accountId, cachePrefixes, pinnedPrefix, region, registry, upstreamPrefixes/],
    ["an unknown registry kind", { mirror: { registry: "public" } }, "mirror.registry", /"registry" to be "own" or "shared"/],
  ])("%s is refused", (_what, patch, field, message) => {
    const problems = problemsOf(patch);
    expect(problems.map((p) => p.path)).toContain(field);
    expect(problems.find((p) => p.path === field)?.message).toMatch(message);
  });
});

describe("EcrMirror", () => {
  const mirror = (scope: Construct, props: Partial<ConstructorParameters<typeof EcrMirror>[2]> = {}) =>
    new EcrMirror(scope, "mirror", { name: "team", dockerHubSecret: secretOf(scope), ...props });

  test("cache rules: Docker Hub with the secret, ECR Public without credentials, and further upstreams", () => {
    const json = synth((scope) => mirror(scope, { upstreams: [{ prefix: "quay", url: "quay.io" }] }));
    expect(resources(json, "aws_ecr_pull_through_cache_rule")).toEqual([
      {
        ecr_repository_prefix: "docker-hub",
        upstream_registry_url: "registry-1.docker.io",
        credential_arn: expect.stringMatching(/^\$\{aws_secretsmanager_secret\..*\.arn\}$/),
        // ECR reads the secret when it creates the rule: after the secret's first value is stored.
        depends_on: [expect.stringMatching(/^terraform_data\./)],
      },
      { ecr_repository_prefix: "ecr-public", upstream_registry_url: "public.ecr.aws" },
      { ecr_repository_prefix: "quay", upstream_registry_url: "quay.io" },
    ]);
  });

  test("a creation template per cache prefix: lifecycle policy, tag mutability, encryption; the registry scans every mirror prefix", () => {
    let filters: string[] = [];
    const json = synth((scope) => {
      filters = mirror(scope, { untaggedExpiryDays: 3, keepLastImages: 10 }).scanningFilters();
    });
    const templates = resources(json, "aws_ecr_repository_creation_template");
    expect(templates.map((t) => t.prefix)).toEqual(["docker-hub", "ecr-public"]);
    for (const template of templates) {
      expect(template).toMatchObject({ applied_for: ["PULL_THROUGH_CACHE"], image_tag_mutability: "MUTABLE", encryption_configuration: [{ encryption_type: "AES256" }] });
      expect(JSON.parse(template.lifecycle_policy as string).rules.map((r: { selection: unknown }) => r.selection)).toEqual([
        { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 3 },
        { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 10 },
      ]);
      expect(template).not.toHaveProperty("repository_policy");
    }
    // The registry's scanning configuration is the stack's to manage (one per registry): the mirror only says what it holds.
    expect(resources(json, "aws_ecr_registry_scanning_configuration")).toEqual([]);
    expect(filters).toEqual(["docker-hub/*", "ecr-public/*", "mirror/*"]);
  });

  test("pinned repositories hold images: one for_each resource keyed by path, prevent_destroy, never force-deleted; not shared unless asked", () => {
    const json = synth((scope) =>
      mirror(scope, {
        pinnedRepositories: ["library/node", "library/python"],
        pinnedLogicalIds: { repository: "pinned", lifecyclePolicy: "pinned_lifecycle", repositoryPolicy: "pinned_policy" },
      }),
    );
    expect(JSON.parse(json).resource.aws_ecr_repository).toEqual({
      pinned: expect.objectContaining({
        for_each: { "library/node": "mirror/library/node", "library/python": "mirror/library/python" },
        name: "${each.value}",
        force_delete: false,
        lifecycle: { prevent_destroy: true },
      }),
    });
    expect(JSON.parse(json).resource.aws_ecr_lifecycle_policy).toEqual({
      pinned_lifecycle: expect.objectContaining({ for_each: "${aws_ecr_repository.pinned}", repository: "${each.value.name}" }),
    });
    expect(resources(json, "aws_ecr_repository_policy")).toEqual([]);
    expect(resources(json, "aws_ecr_registry_policy")).toEqual([]);
  });

  test('removalPolicy "destroy": a dropped pinned repository goes with its images (force_delete), not half-way', () => {
    const [repository] = resources(synth((scope) => mirror(scope, { pinnedRepositories: ["library/node"], removalPolicy: "destroy" })), "aws_ecr_repository");
    expect(repository).toMatchObject({ force_delete: true });
    expect(repository).not.toHaveProperty("lifecycle");
  });

  test("a retired repository is moved out of the for_each resource, with its policies, and forgotten as a whole", () => {
    const json = JSON.parse(
      synth((scope) =>
        mirror(scope, {
          pinnedRepositories: ["library/node"],
          retiredRepositories: ["library/python"],
          sharing: { accountIds: ["111111111111"] },
          pinnedLogicalIds: { repository: "pinned", lifecyclePolicy: "pinned_lifecycle", repositoryPolicy: "pinned_policy" },
        }),
      ),
    );
    expect(json.moved).toEqual([
      { from: 'aws_ecr_repository.pinned["library/python"]', to: "aws_ecr_repository.pinned_retired_library_python" },
      { from: 'aws_ecr_lifecycle_policy.pinned_lifecycle["library/python"]', to: "aws_ecr_lifecycle_policy.pinned_lifecycle_retired_library_python" },
      { from: 'aws_ecr_repository_policy.pinned_policy["library/python"]', to: "aws_ecr_repository_policy.pinned_policy_retired_library_python" },
    ]);
    expect(json.removed).toEqual(
      ["aws_ecr_repository.pinned", "aws_ecr_lifecycle_policy.pinned_lifecycle", "aws_ecr_repository_policy.pinned_policy"].map((address) => ({
        from: `${address}_retired_library_python`,
        lifecycle: { destroy: false },
      })),
    );
  });

  test("a repository both pinned and retired is refused", () => {
    expect(() => synth((scope) => mirror(scope, { pinnedRepositories: ["library/node"], retiredRepositories: ["library/node"] }))).toThrow(
      /library\/node cannot be both pinned and retired/,
    );
  });

  test("adoptExisting imports every pinned repository and its policies, by name", () => {
    const json = JSON.parse(
      synth((scope) =>
        mirror(scope, {
          pinnedRepositories: ["library/node"],
          adoptExisting: true,
          pinnedLogicalIds: { repository: "pinned", lifecyclePolicy: "pinned_lifecycle", repositoryPolicy: "pinned_policy" },
        }),
      ),
    );
    expect(json.import).toEqual([
      { to: 'aws_ecr_repository.pinned["library/node"]', id: "mirror/library/node" },
      { to: 'aws_ecr_lifecycle_policy.pinned_lifecycle["library/node"]', id: "mirror/library/node" },
    ]);
  });

  test("shared with accounts and an organization: pull through repository policies, import through the registry policy; never * without the org condition", () => {
    let statements: unknown[] = [];
    const json = synth((scope) => {
      statements = mirror(scope, { pinnedRepositories: ["library/node"], sharing: { accountIds: ["111111111111"], organizationId: "o-a1b2c3d4e5" } }).registryPolicyStatements();
    });
    expect(statements).toEqual([
      {
        Sid: "ImportThroughCacheFromAccounts",
        Effect: "Allow",
        Principal: { AWS: ["arn:aws:iam::111111111111:root"] },
        Action: ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
        Resource: ["arn:aws:ecr:eu-west-1:333333333333:repository/docker-hub/*", "arn:aws:ecr:eu-west-1:333333333333:repository/ecr-public/*"],
      },
      expect.objectContaining({ Sid: "ImportThroughCacheFromOrganization", Principal: "*", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } } }),
    ]);
    // The registry has one policy: the stack writes it (RegistryPolicy), with the account's other statements.
    expect(resources(json, "aws_ecr_registry_policy")).toEqual([]);
    const pullPolicies = [
      ...resources(json, "aws_ecr_repository_creation_template").map((t) => t.repository_policy),
      ...resources(json, "aws_ecr_repository_policy").map((p) => p.policy),
    ].map((policy) => JSON.parse(policy as string).Statement as { Principal: unknown; Condition?: unknown; Action: string[] }[]);
    expect(pullPolicies).toHaveLength(3);
    for (const statements of pullPolicies) {
      for (const statement of statements) {
        expect(statement.Action).toEqual(["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]);
        if (statement.Principal === "*") expect(statement.Condition).toEqual({ StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } });
      }
    }
  });

  test("a customer key: templates encrypt with it through a role ECR assumes, limited to the cache prefixes and the key", () => {
    const key = "arn:aws:kms:eu-west-1:333333333333:key/0b9c6c1e-7d1a-4c4e-9a51-2f4d0b7e6a11";
    const json = synth((scope) => mirror(scope, { kmsKeyArn: key }));
    for (const template of resources(json, "aws_ecr_repository_creation_template")) {
      expect(template.encryption_configuration).toEqual([{ encryption_type: "KMS", kms_key: key }]);
      expect(template.custom_role_arn).toMatch(/^\$\{aws_iam_role\..*\.arn\}$/);
    }
    const [role] = resources(json, "aws_iam_role");
    expect(role.name).toBe("team-ecr-templates");
    const [policy] = resources(json, "aws_iam_role_policy");
    expect(JSON.parse(policy.policy as string).Statement.map((s: { Resource: unknown }) => s.Resource)).toEqual([
      ["arn:aws:ecr:eu-west-1:333333333333:repository/docker-hub/*", "arn:aws:ecr:eu-west-1:333333333333:repository/ecr-public/*"],
      key,
    ]);
  });

  test("prefixes that collide are refused", () => {
    expect(() => synth((scope) => mirror(scope, { pinnedPrefix: "docker-hub" }))).toThrow(/cache and pinned prefixes must differ/);
  });
});

describe("DockerHubSecret", () => {
  // How its value is stored and rotated: token-command.test.ts.
  test("a name ECR would not read is refused; grantRead matches the secret by name, known at plan time", () => {
    expect(() => synth((scope) => new DockerHubSecret(scope, "s", { secretName: "dockerhub" }))).toThrow(/must start with "ecr-pullthroughcache\/"/);
    const statements: unknown[] = [];
    synth((scope) => secretOf(scope).grantRead({ addToPrincipalPolicy: (s) => statements.push(s) }));
    expect(statements).toEqual([
      {
        sid: "ReadDockerHubSecret",
        actions: ["secretsmanager:GetSecretValue"],
        resources: ["arn:aws:secretsmanager:eu-west-1:333333333333:secret:ecr-pullthroughcache/team-docker-hub-??????"],
      },
    ]);
  });

  test("adopt() imports the secret by name (Secrets Manager finds it by name as well as by ARN)", () => {
    const json = JSON.parse(synth((scope) => secretOf(scope).adopt()));
    expect(json.import).toEqual([{ to: expect.stringMatching(/^aws_secretsmanager_secret\./), id: "ecr-pullthroughcache/team-docker-hub" }]);
  });
});

describe("MirrorSync", () => {
  const json = synth((scope) => {
    const secret = secretOf(scope);
    const mirror = new EcrMirror(scope, "mirror", { name: "team", dockerHubSecret: secret, pinnedRepositories: ["library/node", "library/python"] });
    new MirrorSync(scope, "sync", {
      projectName: "team-mirror-sync",
      mirror,
      images: ["library/node:20", "library/python:3.12-slim"],
      dockerHubSecret: secret,
      alarmTopicArn: "arn:aws:sns:eu-west-1:333333333333:alerts",
    });
  });

  test("a CodeBuild job with the images, the target and the Docker Hub login from the secret", () => {
    expect(json).toHaveResourceWithProperties(CodebuildProject, {
      name: "team-mirror-sync",
      source: expect.objectContaining({ type: "NO_SOURCE" }),
      environment: expect.objectContaining({
        environment_variable: [
          { name: "MIRROR_IMAGES", type: "PLAINTEXT", value: "library/node:20\nlibrary/python:3.12-slim" },
          { name: "MIRROR_TARGET", type: "PLAINTEXT", value: "333333333333.dkr.ecr.eu-west-1.amazonaws.com/mirror" },
          { name: "ECR_REGISTRY", type: "PLAINTEXT", value: "333333333333.dkr.ecr.eu-west-1.amazonaws.com" },
          { name: "DOCKERHUB_USERNAME", type: "SECRETS_MANAGER", value: "ecr-pullthroughcache/team-docker-hub:username" },
          { name: "DOCKERHUB_TOKEN", type: "SECRETS_MANAGER", value: "ecr-pullthroughcache/team-docker-hub:accessToken" },
        ],
      }),
    });
  });

  test("the job's role pushes to the pinned repositories only, and reads the secret", () => {
    const policy = resources(json, "aws_iam_role_policy").find((p) => (p.role as string).includes("sync_job_role"))!;
    const bySid = Object.fromEntries(JSON.parse(policy.policy as string).Statement.map((s: { Sid: string }) => [s.Sid, s]));
    expect(bySid.PushPinnedImages.Resource).toEqual([
      "arn:aws:ecr:eu-west-1:333333333333:repository/mirror/library/node",
      "arn:aws:ecr:eu-west-1:333333333333:repository/mirror/library/python",
    ]);
    expect(bySid.ReadDockerHubSecret.Resource).toBe("arn:aws:secretsmanager:eu-west-1:333333333333:secret:ecr-pullthroughcache/team-docker-hub-??????");
  });

  test("a daily schedule starts exactly this project; a failed run raises an alarm to the topic", () => {
    expect(json).toHaveResourceWithProperties(SchedulerSchedule, {
      schedule_expression: "rate(1 day)",
      flexible_time_window: { mode: "OFF" },
      target: expect.objectContaining({ arn: MirrorSync.startBuildTarget("aws"), input: JSON.stringify({ ProjectName: "team-mirror-sync" }) }),
    });
    const schedulerPolicy = resources(json, "aws_iam_role_policy").find((p) => (p.role as string).includes("scheduler"))!;
    expect(JSON.parse(schedulerPolicy.policy as string).Statement).toEqual([
      { Sid: "StartSync", Effect: "Allow", Action: "codebuild:StartBuild", Resource: "arn:aws:codebuild:eu-west-1:333333333333:project/team-mirror-sync" },
    ]);
    expect(json).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      namespace: "AWS/CodeBuild",
      metric_name: "FailedBuilds",
      dimensions: { ProjectName: "team-mirror-sync" },
      comparison_operator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      alarm_actions: ["arn:aws:sns:eu-west-1:333333333333:alerts"],
    });
  });
});

describe("builds against a mirror", () => {
  test("another account's mirror: REGISTRY_MIRROR and pull, import and create on its prefixes only", () => {
    const location = { accountId: "333333333333", region: "us-east-1", cachePrefixes: ["docker-hub", "ecr-public"], pinnedPrefix: "mirror", dockerHubPrefix: "docker-hub" };
    const json = synthIn("111111111111", "eu-west-1", (scope) => {
      new DockerBuildProject(scope, "build", { projectName: "app", mirror: location });
    });
    expect(json).toHaveResourceWithProperties(CodebuildProject, {
      environment: expect.objectContaining({
        environment_variable: [
          { name: "MIRROR_REGISTRY", type: "PLAINTEXT", value: "333333333333.dkr.ecr.us-east-1.amazonaws.com" },
          { name: "REGISTRY_MIRROR", type: "PLAINTEXT", value: "333333333333.dkr.ecr.us-east-1.amazonaws.com/docker-hub" },
          { name: "REGISTRY_MIRROR_PINNED", type: "PLAINTEXT", value: "333333333333.dkr.ecr.us-east-1.amazonaws.com/mirror" },
        ],
      }),
    });
    const [policy] = resources(json, "aws_iam_role_policy");
    const ecr = JSON.parse(policy.policy as string).Statement.filter((s: { Action: string | string[] }) => [s.Action].flat().some((a) => a.startsWith("ecr:")));
    expect(ecr.map((s: { Sid: string; Resource: unknown }) => [s.Sid, s.Resource])).toEqual([
      ["EcrLogin", "*"],
      ["PullThroughMirrorCache", ["arn:aws:ecr:us-east-1:333333333333:repository/docker-hub/*", "arn:aws:ecr:us-east-1:333333333333:repository/ecr-public/*"]],
      ["PullPinnedMirrorImages", "arn:aws:ecr:us-east-1:333333333333:repository/mirror/*"],
    ]);
  });

  test("the stack that stops hosting its mirror forgets the secret and the pinned repositories with their policies, deletes none", () => {
    const removed = (synthStackJson(environmentFrom({ ...readShipped("shared"), strategy: "authenticated" }, "shared")).removed ?? []) as { from: string }[];
    expect(removed.map((r) => r.from)).toEqual(
      expect.arrayContaining([
        `${RETAINED.mirrorSecret.type}.${RETAINED.mirrorSecret.name}`,
        "aws_ecr_repository.mirror_pinned",
        "aws_ecr_lifecycle_policy.mirror_pinned_lifecycle",
        "aws_ecr_repository_policy.mirror_pinned_policy",
      ]),
    );
  });
});

describe("the sync script, run in bash with stand-in docker", () => {
  const TOKEN = "dckr_pat_CANARY0123456789abcdefXYZ";
  const TARGET = "333333333333.dkr.ecr.eu-west-1.amazonaws.com/mirror";
  let standIns: StandIns;
  beforeEach(() => {
    standIns = new StandIns(["docker"]);
  });
  afterEach(() => standIns.remove());
  const run = (env: Record<string, string>) =>
    standIns.bash(`cd "${standIns.dir}" && bash ${scriptPath("mirror-sync")}`, {
      MIRROR_TARGET: TARGET,
      MIRROR_IMAGES: "library/node:20\npublic.ecr.aws/docker/library/alpine:3.20 ghcr.io/org/tool:1.2",
      DOCKERHUB_USERNAME: "exampleteam",
      DOCKERHUB_TOKEN: TOKEN,
      ...env,
    });
  /** The digest the stand-in gives an upstream reference (and a carbon copy of it). */
  const digest = (image: string) => `sha256:${createHash("sha256").update(image).digest("hex")}`;
  const copied = (source: string, destination: string) => [
    `docker buildx imagetools inspect ${source} --format {{json .Manifest.Digest}}`,
    `docker buildx imagetools create --prefer-index=false --tag ${destination} ${source}`,
    `docker buildx imagetools inspect ${destination} --format {{json .Manifest.Digest}}`,
  ];

  test("logs in to Docker Hub (token on stdin), copies each image by tag as it is upstream, records each digest", () => {
    const result = run({});
    expect(result.status).toBe(0);
    const calls = standIns.calls();
    expect(calls.map((c) => [c.command, ...c.args].join(" "))).toEqual([
      "docker login --username exampleteam --password-stdin",
      ...copied("docker.io/library/node:20", `${TARGET}/library/node:20`),
      ...copied("public.ecr.aws/docker/library/alpine:3.20", `${TARGET}/docker/library/alpine:3.20`),
      ...copied("ghcr.io/org/tool:1.2", `${TARGET}/org/tool:1.2`),
    ]);
    expect(calls[0].stdin).toBe(TOKEN);
    for (const call of calls) expect(call.args.join(" ")).not.toContain(TOKEN);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    expect(result.stdout).toContain(`copied docker.io/library/node:20 -> ${TARGET}/library/node:20 (${digest("docker.io/library/node:20")})`);
    const report = fs.readFileSync(path.join(standIns.dir, "mirror-sync-report.tsv"), "utf8").trim().split("\n");
    expect(report).toEqual([
      "image\tsource\tdestination\tdigest\tresult",
      `library/node:20\tdocker.io/library/node:20\t${TARGET}/library/node:20\t${digest("docker.io/library/node:20")}\tcopied`,
      `public.ecr.aws/docker/library/alpine:3.20\tpublic.ecr.aws/docker/library/alpine:3.20\t${TARGET}/docker/library/alpine:3.20\t${digest("public.ecr.aws/docker/library/alpine:3.20")}\tcopied`,
      `ghcr.io/org/tool:1.2\tghcr.io/org/tool:1.2\t${TARGET}/org/tool:1.2\t${digest("ghcr.io/org/tool:1.2")}\tcopied`,
    ]);
  });

  test("a single-platform upstream image is copied as is: the recorded digest is upstream's, as for a multi-arch index", () => {
    const result = run({ STAND_IN_SINGLE_PLATFORM: "docker.io/library/node:20" });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`copied docker.io/library/node:20 -> ${TARGET}/library/node:20 (${digest("docker.io/library/node:20")})`);
  });

  test("a copy whose digest is not upstream's fails the job, naming both digests", () => {
    const result = run({ STAND_IN_SINGLE_PLATFORM: "docker.io/library/node:20", STAND_IN_ALWAYS_WRAP: "1" });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`ERROR: ${TARGET}/library/node:20 is sha256:`);
    expect(result.stderr).toContain(`upstream docker.io/library/node:20 is ${digest("docker.io/library/node:20")}`);
    expect(fs.readFileSync(path.join(standIns.dir, "mirror-sync-report.tsv"), "utf8")).toContain("DIGEST MISMATCH");
  });

  test("the destinations are the repositories the stack creates", () => {
    for (const image of ["library/node:20", "public.ecr.aws/docker/library/alpine:3.20", "ghcr.io/org/tool:1.2"]) {
      run({ MIRROR_IMAGES: image });
      const created = standIns.calls().find((c) => c.args[2] === "create")!;
      expect(created.args[created.args.indexOf("--tag") + 1]).toBe(`${TARGET}/${repositoryPathOf(image)}:${image.split(":").pop()}`);
      standIns.remove();
      standIns = new StandIns(["docker"]);
    }
  });

  test("one failed copy: the others are still copied, and the job fails (the alarm's signal)", () => {
    const result = run({ STAND_IN_FAIL_MATCH: "docker.io/library/node:20" });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`ERROR: could not copy docker.io/library/node:20 to ${TARGET}/library/node:20`);
    expect(result.stdout).toContain("mirror sync: 2 copied, 1 failed");
    // The failing image is refused upstream (its inspect fails); the other two are still copied.
    expect(standIns.calls().filter((c) => c.args[2] === "create").map((c) => c.args[c.args.length - 1])).toEqual([
      "public.ecr.aws/docker/library/alpine:3.20",
      "ghcr.io/org/tool:1.2",
    ]);
  });

  test("without a token it warns and copies anonymously; a failed login stops it", () => {
    const anonymous = run({ DOCKERHUB_TOKEN: "UNSET" });
    expect(anonymous.status).toBe(0);
    expect(anonymous.stderr).toContain("copying anonymously");
    expect(standIns.calls().map((c) => c.args[0])).not.toContain("login");
    expect(run({ STAND_IN_FAIL: "docker login" }).status).toBe(1);
  });
});
