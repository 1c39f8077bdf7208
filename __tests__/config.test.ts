import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConfigError, loadEnvironments, STRATEGIES } from "../config";
import { DockerBuildProject } from "../constructs";
import {
  ENVIRONMENTS_DIR,
  environmentFrom,
  merge,
  minimalFile,
  problemsOf,
  PROJECT_ROOT,
  readShipped,
  shippedEnvironmentNames,
  TOP_LEVEL_FIELDS,
  warningsOf,
} from "./support/environments";

describe("shipped environments", () => {
  test("every file in environments/ loads, and they deploy to different accounts", () => {
    const environments = loadEnvironments({ projectRoot: PROJECT_ROOT });
    expect(environments.map((e) => e.name)).toEqual(shippedEnvironmentNames());
    expect(environments.map((e) => e.name)).toEqual(expect.arrayContaining(["dev", "prod"]));
    expect(new Set(environments.map((e) => e.accountId)).size).toBeGreaterThan(1);
    for (const environment of environments) {
      expect(environment.file).toBe(`environments/${environment.name}.json`);
    }
  });

  test("dev keeps its state locally (works without an AWS account)", () => {
    const [dev] = loadEnvironments({ projectRoot: PROJECT_ROOT }).filter((e) => e.name === "dev");
    expect(dev.state).toEqual({ backend: "local", path: path.join(PROJECT_ROOT, "terraform.dev.tfstate") });
  });

  test("every shipped file names the published JSON Schema", () => {
    for (const name of shippedEnvironmentNames()) {
      expect(readShipped(name).$schema).toBe("../schema/environment.schema.json");
    }
  });
});

describe("the strategy switch", () => {
  // Each strategy alone, and all combined: flipping only "strategy" in a shipped file gives a valid environment.
  const flips = [...STRATEGIES.map((s) => [s]), [...STRATEGIES]];
  test.each(shippedEnvironmentNames().flatMap((name) => flips.map((strategies) => [name, strategies.join(" + "), strategies] as const)))(
    "flipping only strategy in %s to %s gives a valid environment",
    (name, _label, strategies) => {
      expect(environmentFrom({ ...readShipped(name), strategy: strategies }, name).strategies).toEqual(strategies);
      if (strategies.length === 1) expect(environmentFrom({ ...readShipped(name), strategy: strategies[0] }, name).strategies).toEqual(strategies);
    },
  );

  test("a list is normalized: order of STRATEGIES, one of each", () => {
    expect(environmentFrom(minimalFile({ strategy: ["mirror", "authenticated"] })).strategies).toEqual(["authenticated", "mirror"]);
  });
});

describe("defaults", () => {
  test("only account, region and strategy are required; everything else has its documented default", () => {
    const environment = environmentFrom(minimalFile(), "qa");
    expect(environment).toMatchObject({
      name: "qa",
      accountId: "123456789012",
      region: "eu-west-1",
      project: "docker-builds",
      tags: { environment: "qa", project: "docker-builds", "managed-by": "cdktf" },
      dockerHub: { parameterPrefix: "/docker-builds/qa/dockerhub" },
      build: {
        projectName: "docker-builds-qa",
        source: { type: "CODEPIPELINE" },
        image: DockerBuildProject.DEFAULT_IMAGE,
        computeType: "BUILD_GENERAL1_SMALL",
        timeoutMinutes: 60,
        logRetentionDays: 30,
        imageRepository: {
          create: true,
          name: "docker-builds-qa",
          scanOnPush: true,
          tagMutability: "IMMUTABLE",
          keepLastImages: 30,
          untaggedExpiryDays: 7,
        },
      },
    });
    expect(environment.dockerHub.username).toBeUndefined();
    expect(environment.dockerHub.kmsKeyArn).toBeUndefined();
    expect(environment.build.buildspec).toBeUndefined();
  });

  test("a Git source gets a webhook on pushes to main and a shallow clone", () => {
    const environment = environmentFrom(
      minimalFile({ build: { source: { type: "GITHUB", location: "https://github.com/org/app.git" } } }),
    );
    expect(environment.build.source).toEqual({
      type: "GITHUB",
      location: "https://github.com/org/app.git",
      cloneDepth: 1,
      webhook: { enabled: true, branches: ["main"], events: ["PUSH"], actorAccountIds: [] },
    });
  });

  test("a buildspec file is read at synth, relative to the project root", () => {
    const dir = fs.mkdtempSync(path.join(PROJECT_ROOT, ".tmp-buildspec-"));
    try {
      const file = path.join(dir, "spec.yml");
      fs.writeFileSync(file, "version: 0.2\nphases:\n  build:\n    commands:\n      - make\n");
      const environment = environmentFrom(
        minimalFile({ build: { source: { type: "NO_SOURCE" }, buildspecFile: path.relative(PROJECT_ROOT, file) } }),
      );
      expect(environment.build.buildspec).toContain("- make");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("bad input: each problem names the field, the value received and what is allowed", () => {
  // [what, patch applied to a valid file, field path, message pattern]
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ["short account id", { account: "12345" }, "account", /12-digit AWS account id/],
    ["numeric account id", { account: 123456789012 }, "account", /12-digit AWS account id, as a string/],
    ["unknown region", { region: "eu-west-9" }, "region", /expected an AWS region: af-south-1, .*us-west-2/],
    ["misspelled strategy", { strategy: "fixd-ip" }, "strategy", /one of "authenticated", "fixed-ip", "mirror", or a non-empty list/],
    ["empty strategy list", { strategy: [] }, "strategy", /non-empty list/],
    ["project with capitals", { project: "Docker_Builds" }, "project", /lower-case letters, digits and hyphens/],
    ["log retention CloudWatch refuses", { build: { logRetentionDays: 42 } }, "build.logRetentionDays", /one of 1, 3, 5, 7, 14, 30/],
    ["fractional timeout", { build: { timeoutMinutes: 2.5 } }, "build.timeoutMinutes", /whole number from 5 to 2160/],
    ["timeout too short", { build: { timeoutMinutes: 1 } }, "build.timeoutMinutes", /whole number from 5 to 2160/],
    ["Docker Hub build image", { build: { image: "node:20" } }, "build.image", /CodeBuild-curated.*hits the very limit/],
    ["unknown compute type", { build: { computeType: "HUGE" } }, "build.computeType", /one of "BUILD_GENERAL1_SMALL"/],
    ["unknown source type", { build: { source: { type: "GITHB" } } }, "build.source.type", /"type" to be one of "CODEPIPELINE", "NO_SOURCE", "GITHUB"/],
    ["Git source without location", { build: { source: { type: "GITHUB" } } }, "build.source.location", /missing \(required\): expected an https:\/\/ clone URL/],
    ["ssh clone URL", { build: { source: { type: "GITHUB", location: "git@github.com:o/r.git" } } }, "build.source.location", /https:\/\/ clone URL/],
    ["unknown webhook event", { build: { source: { type: "GITHUB", location: "https://github.com/o/r", webhook: { events: ["PUSHED"] } } } }, "build.source.webhook.events[0]", /one of "PUSH", "PULL_REQUEST_CREATED"/],
    ["NO_SOURCE without a buildspec", { build: { source: { type: "NO_SOURCE" } } }, "build.buildspecFile", /required when build.source.type is "NO_SOURCE"/],
    ["missing buildspec file", { build: { buildspecFile: "nope/buildspec.yml" } }, "build.buildspecFile", /file not found/],
    ["buildspec that is not YAML", { build: { buildspecFile: "package.json.yml" } }, "build.buildspecFile", /file not found/],
    ["buildspec path escaping the root", { build: { buildspecFile: "/etc/buildspec.yml" } }, "build.buildspecFile", /relative path/],
    ["bad repository name", { build: { imageRepository: { name: "UPPER" } } }, "build.imageRepository.name", /ECR repository name/],
    ["project name too long for IAM", { build: { projectName: "app".repeat(20) } }, "build.projectName", /IAM allows 64 characters/],
    ["KMS alias instead of key", { dockerHub: { kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:alias/ssm" } }, "dockerHub.kmsKeyArn", /aliases do not work in IAM grants/],
    ["KMS key in another region", { dockerHub: { kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/0b9c6c1e-7d1a-4c4e-9a51-2f4d0b7e6a11" } }, "dockerHub.kmsKeyArn", /must be in eu-west-1/],
    ["parameter prefix without slash", { dockerHub: { parameterPrefix: "team/dockerhub" } }, "dockerHub.parameterPrefix", /SSM parameter path/],
    ["reserved parameter prefix", { dockerHub: { parameterPrefix: "/aws/team" } }, "dockerHub.parameterPrefix", /reserved by AWS/],
    ["Docker ID with a space", { dockerHub: { username: "Bad User" } }, "dockerHub.username", /Docker ID/],
    ["unknown removal policy", { build: { imageRepository: { removalPolicy: "keep" } } }, "build.imageRepository.removalPolicy", /one of "retain", "destroy"/],
    ["a removal policy for the SSM parameters (Terraform never deletes them)", { dockerHub: { removalPolicy: "destroy" } }, "dockerHub.removalPolicy", /unknown field; allowed here: kmsKeyArn, parameterPrefix, username/],
    ["reserved tag key", { tags: { "aws:owner": "me" } }, "tags.aws:owner", /key must be 1 to 128 letters.*must not start with "aws:"/],
    ["unsupported state backend", { state: { backend: "gcs" } }, "state.backend", /"backend" to be "local", "s3" or "cloud"/],
    ["S3 state without a bucket", { state: { backend: "s3" } }, "state.bucket", /missing \(required\)/],
    ["a state key that is not a .tfstate", { state: { backend: "s3", bucket: "b-state", key: "dev" } }, "state.key", /ending in .tfstate/],
    ["HCP Terraform without an organization", { state: { backend: "cloud" } }, "state.organization", /missing \(required\)/],
    ["a deploy role that is not a role ARN", { deploy: { assumeRoleArn: "arn:aws:iam::123456789012:user/me" } }, "deploy.assumeRoleArn", /IAM role ARN/],
    ["a CI plan role that is not a role ARN", { deploy: { ciPlanRoleArn: "deployer" } }, "deploy.ciPlanRoleArn", /IAM role ARN/],
    ["negative pulls per build", { estimates: { pullsPerBuild: -1 } }, "estimates.pullsPerBuild", /whole number from 0 to 1000/],
    ["an unknown Docker Hub plan", { estimates: { dockerHubPlan: "enterprise" } }, "estimates.dockerHubPlan", /one of "personal", "pro", "team", "business"/],
    ["typo in a top-level key", { stratgy: "authenticated" }, "stratgy", /unknown field \(did you mean "strategy"\?\)/],
    ["typo in a nested key", { build: { imageRepository: { nme: "x" } } }, "build.imageRepository.nme", /unknown field \(did you mean "name"\?\); allowed here: create, keepLastImages, name/],
    ["unknown key in a union member", { build: { source: { type: "CODEPIPELINE", bucket: "b" } } }, "build.source.bucket", /unknown field; allowed here: artifactBucket, type/],
  ];

  test.each(cases)("%s", (_what, patch, field, message) => {
    const problems = problemsOf(merge(minimalFile(), patch));
    const problem = problems.find((p) => p.path === field);
    expect(problem).toBeDefined();
    expect(problem?.message).toMatch(message);
    expect(problems.every((p) => p.path === field || p.path.startsWith(`${field}.`) || p.path === "")).toBe(true);
  });

  test("a broken field does not hide a problem that needs several fields: both are reported", () => {
    const problems = problemsOf(
      merge(minimalFile({ strategy: ["fixed-ip", "mirror"] }), {
        network: { availabilityZones: ["eu-west-1a", "us-east-1b"] },
        mirror: { images: ["node:20"] },
      }),
    );
    expect(problems.map((p) => p.path)).toEqual(["mirror.images[0]", "network.availabilityZones[1]"]);
  });

  test("a missing required field says so", () => {
    const { account: _omitted, ...withoutAccount } = minimalFile();
    expect(problemsOf(withoutAccount)).toEqual([
      { file: "environments/test.json", path: "account", message: "missing (required): expected a 12-digit AWS account id, as a string" },
    ]);
  });

  test("the value received is reported as found", () => {
    expect(problemsOf(minimalFile({ region: "eu-west-9" }))[0]).toMatchObject({ path: "region", received: "eu-west-9" });
  });

  test("duplicates in the strategy list are named by index", () => {
    const problems = problemsOf(minimalFile({ strategy: ["authenticated", "authenticated"] }));
    expect(problems).toEqual([
      { file: "environments/test.json", path: "strategy[1]", received: "authenticated", message: "listed twice" },
    ]);
  });

  test.each(["Prod", "prod_1", "-dev", "a-very-long-environment-name"])("environment name %p is refused", (name) => {
    expect(problemsOf(minimalFile(), name)[0].message).toMatch(/1 to 16 lower-case letters, digits and hyphens/);
  });
});

describe("secrets are refused, and never echoed", () => {
  const token = "dckr_pat_2bUuJaTqXyZ0123456789abcd";
  test.each([
    ["a token field", { dockerHub: { token: "whatever" } }, "dockerHub.token", /"token" looks like a secret field/],
    ["a password field", { dockerHub: { password: "hunter2" } }, "dockerHub.password", /looks like a secret field/],
    ["a Docker Hub token as a value", { dockerHub: { username: token } }, "dockerHub.username", /looks like a Docker Hub access token/],
    ["an AWS key as a tag", { tags: { owner: "AKIAIOSFODNN7EXAMPLE" } }, "tags.owner", /looks like an AWS access key id/],
  ])("%s", (_what, patch, field, message) => {
    const problems = problemsOf(merge(minimalFile(), patch));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toEqual({ file: "environments/test.json", path: field, message: expect.stringMatching(message) });
    expect(problems[0].message).toMatch(/TF_VAR_dockerhub_token.*dockerhub_set_token_command/);
    const text = new ConfigError(problems).message;
    for (const secret of [token, "hunter2", "AKIAIOSFODNN7EXAMPLE", "whatever"]) expect(text).not.toContain(secret);
  });
});

describe("every problem in every file, at once", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "environments-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, content: unknown) =>
    fs.writeFileSync(path.join(dir, name), typeof content === "string" ? content : JSON.stringify(content, null, 2));

  test("problems from several files are reported together, grouped by file", () => {
    write("good.json", minimalFile());
    write("staging.json", merge(minimalFile(), { account: "1", build: { timeoutMinutes: 0 } }));
    write("prod.json", merge(minimalFile(), { stratgy: "mirror", region: "moon-1" }));
    write("broken.json", '{\n  "account": "123456789012",\n  "region": eu-west-1\n}');

    expect(() => loadEnvironments({ projectRoot: dir, directory: "." })).toThrow(ConfigError);
    const error = catchConfigError(() => loadEnvironments({ projectRoot: dir, directory: "." }));
    expect(error.problems.map((p) => `${p.file} ${p.path}`)).toEqual([
      "broken.json ",
      "prod.json region",
      "prod.json stratgy",
      "staging.json account",
      "staging.json build.timeoutMinutes",
    ]);
    const lines = error.message.split("\n");
    expect(lines[0]).toBe("Invalid environment configuration: 5 problems in 3 files. Nothing was synthesized.");
    expect(lines).toEqual(
      expect.arrayContaining([
        "broken.json",
        "  (file): not valid JSON: invalid symbol (line 3, column 13)",
        "prod.json",
        expect.stringMatching(/^  region: received "moon-1"; expected an AWS region: /),
        `  stratgy: received "mirror"; unknown field (did you mean "strategy"?); allowed here: ${TOP_LEVEL_FIELDS}`,
        "staging.json",
        '  account: received "1"; expected a 12-digit AWS account id, as a string',
        "  build.timeoutMinutes: received 0; expected a whole number from 5 to 2160",
      ]),
    );
    expect(lines).not.toContain("good.json");
  });

  test("a directory without environment files is an error, not an empty app", () => {
    expect(catchConfigError(() => loadEnvironments({ projectRoot: dir, directory: "." })).message).toMatch(
      /no environment files: add one <name>.json per environment/,
    );
  });

  test("the shipped directory is the default", () => {
    expect(loadEnvironments({ projectRoot: path.dirname(ENVIRONMENTS_DIR) }).length).toBe(shippedEnvironmentNames().length);
  });
});

function catchConfigError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("what AWS does not offer, refused before anything is synthesized", () => {
  test.each([
    ["a pull-request webhook without actors (strangers' code would run with the Docker Hub token)",
      { build: { source: { type: "GITHUB", location: "https://github.com/o/r.git", webhook: { events: ["PUSH", "PULL_REQUEST_CREATED"] } } } },
      "build.source.webhook.actorAccountIds", /missing \(required with PULL_REQUEST_CREATED\): a pull request's build runs its author's code/],
    ["a CodePipeline source in China (CodePipeline is not offered there)",
      { region: "cn-north-1" }, "build.source.type", /CodePipeline is not offered in cn-north-1 \(aws-cn\)/],
    ["a mirror hosted in China (no repository creation templates)",
      { region: "cn-northwest-1", strategy: "mirror", build: { source: { type: "GITHUB", location: "https://github.com/o/r.git" } } }, "mirror.registry", /not offered in the aws-cn partition/],
    ["a mirror hosted in GovCloud", { region: "us-gov-west-1", strategy: "mirror" }, "mirror.registry", /not offered in the aws-us-gov partition/],
    ["a shared mirror across partitions", { region: "us-gov-west-1", strategy: "mirror", mirror: { registry: "shared", accountId: "333333333333", region: "us-east-1" } },
      "mirror.region", /is in the aws partition, this environment in aws-us-gov/],
    ["a managed scanning configuration without its scan type", { registry: { scanning: { manage: true } } }, "registry.scanning.scanType", /missing \(required with manage\)/],
    ["continuous scanning without Inspector", { registry: { scanning: { manage: true, scanType: "BASIC", frequency: "CONTINUOUS_SCAN" } } },
      "registry.scanning.frequency", /CONTINUOUS_SCAN needs scanType "ENHANCED"/],
    ["a managed scanning configuration with nothing to scan", { build: { imageRepository: { create: false } }, registry: { scanning: { manage: true, scanType: "BASIC" } } },
      "registry.scanning.additionalFilters", /nothing to scan/],
    ["a KMS key ARN in the wrong partition", { region: "us-gov-west-1", dockerHub: { kmsKeyArn: "arn:aws:kms:us-gov-west-1:123456789012:key/0b9c6c1e-7d1a-4c4e-9a51-2f4d0b7e6a11" } },
      "dockerHub.kmsKeyArn", /must be in the aws-us-gov partition/],
    ["a registry policy action of another service", { registry: { policy: { additionalStatements: [{ Sid: "Read", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" }] } } },
      "registry.policy.additionalStatements[0].Action", /expected ECR actions \("ecr:\.\.\.", such as/],
  ])("%s", (_what, patch, field, message) => {
    const problems = problemsOf(merge(minimalFile(), patch));
    expect(problems.map((p) => p.path)).toContain(field);
    expect(problems.find((p) => p.path === field)?.message).toMatch(message);
  });

  test("a registry policy may hold any ECR action: the V2 registry policy scope (every registry's default) enforces them all", () => {
    const pull = { Sid: "PullFromWorkloads", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], Resource: "*" };
    expect(problemsOf(merge(minimalFile(), { registry: { policy: { additionalStatements: [pull] } } }))).toEqual([]);
  });

  test("names with __ or runs of hyphens, as ECR's API model allows them: repository, cache and pinned prefixes, mirrored images", () => {
    const file = merge(minimalFile({ strategy: "mirror", project: "team--a" }), {
      build: { imageRepository: { name: "team__builds" } },
      mirror: { cachePrefixes: { dockerHub: "hub--cache" }, pinnedPrefix: "pinned__images", images: ["quay.io/org/tool--x:1.2", "library/node:20"], upstreams: [{ prefix: "quay--io", url: "quay.io" }] },
    });
    expect(problemsOf(file)).toEqual([]);
    expect(problemsOf(merge(minimalFile({ strategy: "mirror" }), { mirror: { images: ["ghcr.io/org/tool___x:1"] } })).map((p) => p.path)).toEqual(["mirror.images[0]"]);
  });

  test("the same settings where AWS offers them are fine", () => {
    expect(problemsOf(merge(minimalFile(), { region: "us-gov-west-1", strategy: ["authenticated", "fixed-ip"] }))).toEqual([]);
    expect(problemsOf(merge(minimalFile(), { region: "cn-north-1", build: { source: { type: "GITHUB", location: "https://github.com/o/r.git" } } }))).toEqual([]);
    const reviewed = { type: "GITHUB", location: "https://github.com/o/r.git", webhook: { events: ["PULL_REQUEST_CREATED"], actorAccountIds: ["583231"] } };
    expect(problemsOf(merge(minimalFile(), { build: { source: reviewed } }))).toEqual([]);
  });
});

describe("settings that do nothing with the file's strategies are warned about, by file and field", () => {
  const bucket = { build: { source: { type: "CODEPIPELINE", artifactBucket: "team-pipeline-artifacts" } } };
  test.each([
    ["a dockerHub block without authenticated", { strategy: "fixed-ip", dockerHub: { parameterPrefix: "/team/dockerhub", username: "exampleteam" } },
      ['dockerHub.parameterPrefix: has no effect: the strategy does not include "authenticated"', 'dockerHub.username: has no effect: the strategy does not include "authenticated"']],
    ["a mirror block without mirror", { strategy: "authenticated", mirror: { images: ["library/node:20"], removalPolicy: "destroy" } },
      ['mirror.images: has no effect: the strategy does not include "mirror"']],
    ["a network block without fixed-ip", { network: { natGateways: "per-az", elasticIps: { removalPolicy: "destroy" } } },
      ['network.natGateways: has no effect: the strategy does not include "fixed-ip"']],
    ["scanning settings while the configuration is not managed", { registry: { scanning: { scanType: "ENHANCED" } } },
      ["registry.scanning.scanType: has no effect: manage is false"]],
  ])("%s", (_what, patch, warnings) => {
    expect(warningsOf(merge(merge(minimalFile(), bucket), patch))).toEqual(warnings);
  });

  test("not the username when the environment hosts a mirror (its secret holds it), nor removal policies (they decide what a dropped strategy leaves)", () => {
    expect(warningsOf(merge(merge(minimalFile(), bucket), { strategy: "mirror", dockerHub: { username: "exampleteam" } }))).toEqual([]);
  });

  test("a CodePipeline source without its bucket: the default grant is named", () => {
    expect(warningsOf(minimalFile())).toEqual([
      "build.source.artifactBucket: not set: the build role may read and write the artifact stores the CodePipeline console creates in " +
        "eu-west-1 (codepipeline-eu-west-1-*); name your pipeline's bucket to limit it to that one",
    ]);
  });

  test("loadEnvironments hands warnings to onWarnings, and still returns the environments", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "warnings-"));
    fs.writeFileSync(path.join(dir, "qa.json"), JSON.stringify(minimalFile({ strategy: "fixed-ip", dockerHub: { kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/0b9c6c1e-7d1a-4c4e-9a51-2f4d0b7e6a11" } })));
    const seen: string[] = [];
    const environments = loadEnvironments({ projectRoot: dir, directory: ".", onWarnings: (w) => seen.push(...w.map((p) => `${p.file} ${p.path}`)) });
    expect(environments.map((e) => e.name)).toEqual(["qa"]);
    expect(seen).toEqual(["qa.json dockerHub.kmsKeyArn", "qa.json build.source.artifactBucket"]);
  });
});

describe("an environment that builds against another environment's mirror", () => {
  const host = { account: "333333333333", region: "eu-west-1", strategy: "mirror", mirror: { sharing: { accountIds: ["111111111111"] } } };
  const workload = { account: "111111111111", region: "eu-west-1", strategy: ["authenticated", "mirror"], mirror: { registry: "shared", accountId: "333333333333" } };
  const load = (files: Record<string, unknown>) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mirrors-"));
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(content));
    try {
      loadEnvironments({ projectRoot: dir, directory: ".", onWarnings: () => undefined });
      return [];
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return error.problems.map((p) => `${p.file} ${p.path}: ${p.message}`);
    }
  };

  test("is fine when the host environment hosts it, there, shared with its account, with its prefixes", () => {
    expect(load({ shared: host, dev: workload })).toEqual([]);
  });

  test.each([
    ["a host that does not host a mirror", { ...host, strategy: "authenticated" }, workload,
      "dev.json mirror.accountId: builds against the mirror of account 333333333333, but shared does not host one there (shared.json)"],
    ["a host in another region", { ...host, region: "us-east-1" }, workload,
      "dev.json mirror.region: pulls from eu-west-1, but shared hosts its mirror in us-east-1 (shared.json)"],
    ["a host that does not share with it", { ...host, mirror: {} }, workload,
      "dev.json mirror.accountId: builds against shared's mirror, which is not shared with account 111111111111: add it to mirror.sharing.accountIds there (shared.json)"],
    ["prefixes the host does not have", host, { ...workload, mirror: { ...workload.mirror, pinnedPrefix: "pinned" } },
      "dev.json mirror.cachePrefixes: pulls from prefixes pinned that shared's mirror does not have (it has docker-hub, ecr-public, mirror) (shared.json)"],
  ])("is refused with %s, naming both files", (_what, hostFile, workloadFile, problem) => {
    expect(load({ shared: hostFile, dev: workloadFile })).toEqual([problem]);
  });
});

describe("CI roles and the bootstrap", () => {
  const s3 = { backend: "s3", bucket: "docker-builds-tfstate-123456789012" };
  const roles = {
    ciPlanRoleArn: "arn:aws:iam::123456789012:role/ci-plan",
    ciDeployRoleArn: "arn:aws:iam::123456789012:role/ci-deploy",
    githubRepository: "example-org/docker-builds",
  };
  const messages = (patch: Record<string, unknown>, name = "test") => problemsOf(minimalFile(patch), name).map((p) => `${p.file} ${p.path}: ${p.message}`);

  test("a CI role with local state: an error naming the file, the field and the fix (a bucket the bootstrap creates)", () => {
    expect(messages({ deploy: roles })).toEqual([
      expect.stringMatching(/^environments\/test\.json deploy\.ciPlanRoleArn: needs remote state: CI starts every run on a fresh machine.*"state": \{ "backend": "s3", "bucket": "docker-builds-tfstate-123456789012" \}.*--migrate-state$/),
      expect.stringMatching(/^environments\/test\.json deploy\.ciDeployRoleArn: needs remote state/),
    ]);
    expect(messages({ deploy: roles, state: s3 })).toEqual([]);
    expect(messages({ deploy: roles, state: { backend: "cloud", organization: "example-org" } })).toEqual([]);
  });

  test.each([
    ["a role in another account", "deploy.ciPlanRoleArn", { ciPlanRoleArn: "arn:aws:iam::999999999999:role/ci-plan" }, /must be in the environment's account 123456789012/],
    ["a role in another partition", "deploy.ciDeployRoleArn", { ciDeployRoleArn: "arn:aws-cn:iam::123456789012:role/ci-deploy" }, /must be in the aws partition/],
    ["no repository", "deploy.githubRepository", { githubRepository: undefined }, /missing \(required with deploy\.ciPlanRoleArn and deploy\.ciDeployRoleArn\)/],
    ["one role for both", "deploy.ciPlanRoleArn", { ciPlanRoleArn: roles.ciDeployRoleArn }, /must differ from ciDeployRoleArn: a plan runs a pull request's code/],
    ["a role to assume as well", "deploy.assumeRoleArn", { assumeRoleArn: "arn:aws:iam::123456789012:role/deployer" }, /cannot be combined with the CI roles/],
    ["a repository that is not owner/name", "deploy.githubRepository", { githubRepository: "docker-builds" }, /"<owner>\/<repository>"/],
  ])("%s: an error at %s", (_what, path, deploy, message) => {
    const problems = problemsOf(minimalFile({ deploy: { ...roles, ...deploy }, state: s3 }));
    expect(problems.map((p) => p.path)).toEqual([path]);
    expect(problems[0].message).toMatch(message);
  });

  test.each([
    ["its own state in S3 without a state bucket", "bootstrap.state", { bootstrap: { state: "s3" } }, /this environment has none \(state.backend is "local"\)/],
    ["a bucket it creates outside the environment's region", "state.region", { state: { ...s3, region: "us-east-1" }, deploy: roles }, /creates the state bucket in eu-west-1/],
  ])("%s: an error at %s", (_what, path, patch, message) => {
    const problems = problemsOf(minimalFile(patch));
    expect(problems.map((p) => p.path)).toEqual([path]);
    expect(problems[0].message).toMatch(message);
  });

  test("an environment named <other>-bootstrap would take that environment's bootstrap stack name", () => {
    expect(messages({}, "prod-bootstrap")).toEqual([expect.stringContaining('would share its stack name with the bootstrap of "prod"')]);
  });

  test("what the bootstrap creates, derived: stack, bucket, keys, roles with their paths, the boundary", () => {
    const environment = environmentFrom(
      minimalFile({ deploy: { ...roles, ciDeployRoleArn: "arn:aws:iam::123456789012:role/ci/team/deploy" }, state: s3, bootstrap: { stateVersionRetentionDays: 30 } }),
      "prod",
    );
    expect(environment.bootstrap).toEqual({
      stackName: "prod-bootstrap",
      stateKey: "docker-builds/prod-bootstrap/terraform.tfstate",
      githubRepository: "example-org/docker-builds",
      githubOidcProvider: "create",
      stateBucket: { name: "docker-builds-tfstate-123456789012", versionRetentionDays: 30, kmsKeyId: undefined },
      environmentState: { bucket: "docker-builds-tfstate-123456789012", key: "docker-builds/prod/terraform.tfstate", region: "eu-west-1", kmsKeyId: undefined },
      state: { backend: "local", path: expect.stringMatching(/\/terraform\.prod-bootstrap\.tfstate$/) },
      planRole: { arn: roles.ciPlanRoleArn, name: "ci-plan", path: "/" },
      deployRole: { arn: "arn:aws:iam::123456789012:role/ci/team/deploy", name: "deploy", path: "/ci/team/" },
      permissionsBoundary: { name: "docker-builds-prod-boundary", arn: "arn:aws:iam::123456789012:policy/docker-builds-prod-boundary" },
    });
    expect(environmentFrom(minimalFile({ deploy: roles, state: s3, bootstrap: { state: "s3" } }), "prod").bootstrap?.state).toEqual({
      backend: "s3",
      bucket: "docker-builds-tfstate-123456789012",
      key: "docker-builds/prod-bootstrap/terraform.tfstate",
      region: "eu-west-1",
      kmsKeyId: undefined,
    });
    expect(environmentFrom(minimalFile(), "dev").bootstrap).toBeUndefined();
  });

  test("bootstrap settings with nothing to bootstrap are warnings", () => {
    const bootstrapWarnings = (patch: Record<string, unknown>) => warningsOf(minimalFile(patch)).filter((w) => w.startsWith("bootstrap."));
    expect(bootstrapWarnings({ bootstrap: { githubOidcProvider: "existing" } })).toEqual([
      expect.stringMatching(/^bootstrap\.githubOidcProvider: has no effect: this environment has no bootstrap stack/),
    ]);
    expect(bootstrapWarnings({ deploy: roles, state: s3, bootstrap: { stateBucket: "existing", stateVersionRetentionDays: 30 } })).toEqual([
      "bootstrap.stateVersionRetentionDays: has no effect: the bootstrap does not create the state bucket",
    ]);
  });
});
