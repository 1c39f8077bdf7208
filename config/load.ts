/**
 * Reads every `environments/*.json`, validates all of them, and returns the
 * environments only when every file is valid. Otherwise it throws one
 * ConfigError listing every problem in every file, so a broken file never
 * becomes a stack and nothing is synthesized.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { closest, distance } from "fastest-levenshtein";
import { parse as parseJson, ParseError, printParseErrorCode } from "jsonc-parser";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { repositoryPathOf } from "../aws/images";
import { PARTITION_FACTS, partitionOf } from "../aws/partitions";
import { defaultAvailabilityZones } from "../aws/regions";
import { roleNameProblem, zoneInRegionProblem } from "../aws/rules";
import { Bootstrap, BootstrapRole, Environment, uses } from "./environment";
import { ConfigError, formatWarnings, Problem } from "./problems";
import { findSecrets } from "../policies/secrets";
import {
  EnvironmentFile,
  EnvironmentFileSchema,
  environmentJsonSchema,
  STRATEGIES,
  Strategy,
} from "./schema";

export interface LoadOptions {
  /** The project root: file names in messages and relative paths in config are relative to it. */
  readonly projectRoot: string;
  /** @default "environments" */
  readonly directory?: string;
  /**
   * Receives the warnings of valid files: settings that have no effect with
   * the file's strategies, defaults worth knowing about.
   * @default - printed to stderr
   */
  readonly onWarnings?: (warnings: readonly Problem[]) => void;
}

/** The bootstrap of environment <name> is the stack <name>-bootstrap. */
export const BOOTSTRAP_SUFFIX = "-bootstrap";

/** Environment names become stack and resource names. */
const ENVIRONMENT_NAME = /^[a-z](?:[a-z0-9-]{0,14}[a-z0-9])?$/;

type PathKey = string | number;

export function loadEnvironments(options: LoadOptions): Environment[] {
  const directory = path.resolve(options.projectRoot, options.directory ?? "environments");
  const relative = (file: string) => path.relative(options.projectRoot, file) || file;
  if (!fs.existsSync(directory)) {
    throw new ConfigError([{ file: relative(directory), path: "", message: "directory not found: add one <name>.json per environment" }]);
  }
  const files = fs
    .readdirSync(directory)
    .filter((name) => name.endsWith(".json"))
    .sort();
  if (files.length === 0) {
    throw new ConfigError([{ file: relative(directory), path: "", message: "no environment files: add one <name>.json per environment" }]);
  }

  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const environments: Environment[] = [];
  for (const name of files) {
    const file = path.join(directory, name);
    const result = loadEnvironmentFile(file, relative(file), options.projectRoot);
    problems.push(...result.problems);
    warnings.push(...result.warnings);
    if (result.environment) environments.push(result.environment);
  }
  problems.push(...checkAcrossEnvironments(environments));
  if (problems.length > 0) throw new ConfigError(problems);
  if (warnings.length > 0) (options.onWarnings ?? ((w) => console.warn(formatWarnings(w))))(warnings);
  return environments;
}

/** Reads and validates one file. Returns its problems, and the environment when there are none. */
export function loadEnvironmentFile(file: string, displayName: string, projectRoot: string): Validation {
  const text = fs.readFileSync(file, "utf8");
  const errors: ParseError[] = [];
  const raw: unknown = parseJson(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length > 0) {
    // Only the first: the rest are usually the same mistake seen again.
    return { problems: [{ file: displayName, path: "", message: `not valid JSON: ${jsonError(errors[0], text)}` }], warnings: [] };
  }
  return validateEnvironment(raw, { name: path.basename(file, ".json"), file: displayName, projectRoot });
}

export interface Validation {
  readonly problems: Problem[];
  /** Settings that do nothing with these strategies, and defaults worth knowing about; only for files without problems. */
  readonly warnings: Problem[];
  /** Present only when there are no problems. */
  readonly environment?: Environment;
}

export interface ValidationContext {
  /** The environment's name (the file name without .json). */
  readonly name: string;
  /** The file, as messages should name it. */
  readonly file: string;
  /** Relative paths in the config (buildspecFile, state.path) resolve against it. */
  readonly projectRoot: string;
}

/**
 * Validates parsed environment JSON: secrets, the schema, then the checks
 * that need several fields at once. Those run on every field that parsed,
 * even when others did not, so one run reports every problem.
 */
export function validateEnvironment(raw: unknown, context: ValidationContext): Validation {
  const { name, file } = context;
  const problems: Problem[] = [];
  const report: Reporter = (keys, message, received) =>
    problems.push({ file, path: formatPath(keys), message, ...(received ? { received: received.value } : {}) });

  if (name.endsWith(BOOTSTRAP_SUFFIX)) {
    report([], `the environment "${name}" would share its stack name with the bootstrap of "${name.slice(0, -BOOTSTRAP_SUFFIX.length)}": rename the file`);
  }
  if (!ENVIRONMENT_NAME.test(name)) {
    report([], `the file name must be <environment>.json, where the environment is 1 to 16 lower-case letters, digits ` +
      `and hyphens starting with a letter (it names the stack and resources); got "${name}"`);
  }

  // Secrets first, and never echo their values.
  const secrets = findSecrets(raw);
  for (const finding of secrets) report(finding.path, finding.message);
  const secretPaths = new Set(secrets.map((s) => formatPath(s.path)));

  const parsed = EnvironmentFileSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      for (const problem of describeIssue(issue, raw)) {
        if (!secretPaths.has(formatPath(problem.path))) report(problem.path, problem.message, problem.received);
      }
    }
  }
  const buildspec = checkAcrossFields(name, parsed.success ? parsed.data : parseEachField(raw), context.projectRoot, report);
  if (!parsed.success || problems.length > 0) return { problems, warnings: [] };
  const environment = resolveEnvironment(name, file, parsed.data, context.projectRoot, buildspec);
  return { problems, warnings: warningsFor(raw as Record<string, unknown>, environment), environment };
}

type Reporter = (keys: readonly PathKey[], message: string, received?: { value: unknown }) => void;

/** Every top-level field that is valid on its own (defaults applied), for checks that need only those. */
function parseEachField(raw: unknown): Partial<EnvironmentFile> {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return {};
  const fields: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(EnvironmentFileSchema.shape)) {
    const result = schema.safeParse((raw as Record<string, unknown>)[key]);
    if (result.success) fields[key] = result.data;
  }
  return fields as Partial<EnvironmentFile>;
}

/** Names that must fit IAM, a key in the right region, a buildspec that exists, zones, prefixes. Returns the buildspec read. */
function checkAcrossFields(name: string, config: Partial<EnvironmentFile>, projectRoot: string, report: Reporter): string | undefined {
  const { project, region, account, build, dockerHub, network, mirror } = config;
  const base = project && `${project}-${name}`;
  const strategies = config.strategy === undefined ? undefined : normalizeStrategies(config.strategy);

  // A build for a pull request runs its author's code with the Docker Hub token and push rights.
  const source = build?.source;
  if (source && "webhook" in source && source.webhook.enabled && source.webhook.actorAccountIds.length === 0) {
    const pullRequests = source.webhook.events.filter((event) => event.startsWith("PULL_REQUEST"));
    if (pullRequests.length > 0) {
      report(
        ["build", "source", "webhook", "actorAccountIds"],
        `missing (required with ${pullRequests.join(", ")}): a pull request's build runs its author's code with the Docker Hub ` +
          "token and push rights; list the Git host's account ids of the people whose pull requests may start a build",
      );
    }
  }
  if (region) checkPartition(region, strategies, build, mirror, report);
  if (config.deploy) checkDeploy(config, report);
  if (config.registry) checkRegistry(config.registry, strategies, build, mirror, report);

  // IAM role names are the tightest limit: <projectName>-build, at most 64 characters.
  const projectName = build?.projectName ?? base;
  if (projectName && roleNameProblem(`${projectName}-build`)) {
    report(["build", "projectName"], "too long: the build role is named <projectName>-build, and IAM allows 64 characters", {
      value: projectName,
    });
  }
  // SSM and ECR only encrypt with keys in their own region.
  const keys: [PathKey[], string | undefined][] = [
    [["dockerHub", "kmsKeyArn"], dockerHub?.kmsKeyArn],
    [["mirror", "kmsKeyArn"], mirror?.registry === "own" ? mirror.kmsKeyArn : undefined],
  ];
  for (const [where, key] of keys) {
    if (region && key && key.split(":")[3] !== region) {
      report(where, `the key must be in ${region}, the environment's region: SSM and ECR only encrypt with keys in their own region`, { value: key });
    } else if (region && key && key.split(":")[1] !== partitionOf(region)) {
      report(where, `the key's ARN must be in the ${partitionOf(region)} partition, the region's (arn:${partitionOf(region)}:kms:...)`, { value: key });
    }
  }
  let buildspec: string | undefined;
  if (build?.buildspecFile) {
    buildspec = readBuildspec(projectRoot, build.buildspecFile, (message) =>
      report(["build", "buildspecFile"], message, { value: build.buildspecFile }),
    );
  } else if (build?.source.type === "NO_SOURCE") {
    report(["build", "buildspecFile"], 'missing (required when build.source.type is "NO_SOURCE"): the default buildspec builds the Dockerfile of the source');
  }
  if (network && region) checkNetwork(network, region, report);
  if (mirror) checkMirror(mirror, account, report);
  if (mirror?.registry === "own" && base && roleNameProblem(`${base}-mirror-sync-scheduler`)) {
    report(["project"], `too long for the mirror: its scheduler role would be ${base}-mirror-sync-scheduler, over IAM's 64 characters`, {
      value: project,
    });
  }
  return buildspec;
}

/**
 * CI roles live in the environment's account (the bootstrap creates them),
 * trust one repository, differ from each other, and never run on local
 * state: every CI run starts on a fresh machine.
 */
function checkDeploy(config: Partial<EnvironmentFile>, report: Reporter): void {
  const { deploy, account, region, state, bootstrap } = config;
  if (!deploy) return;
  const roles = (["ciPlanRoleArn", "ciDeployRoleArn"] as const).filter((key) => deploy[key] !== undefined);
  for (const key of roles) {
    const arn = deploy[key]!;
    const [, partition, , , roleAccount] = arn.split(":");
    if (account && roleAccount !== account) {
      report(["deploy", key], `must be in the environment's account ${account}: the bootstrap stack creates it there`, { value: arn });
    } else if (region && partition !== partitionOf(region)) {
      report(["deploy", key], `must be in the ${partitionOf(region)} partition, the region's (arn:${partitionOf(region)}:iam::...)`, { value: arn });
    }
    if (state?.backend === "local") {
      report(
        ["deploy", key],
        "needs remote state: CI starts every run on a fresh machine, so with the local backend each deploy would start from nothing " +
          "(a second NAT gateway and Elastic IP, every named resource refused as existing) and each plan would show everything as new. " +
          `Fix: "state": { "backend": "s3", "bucket": "${config.project ?? "docker-builds"}-tfstate-${account ?? "<account>"}" } ` +
          "(the bootstrap stack creates the bucket), then move the state there with cdktf deploy --migrate-state",
        { value: arn },
      );
    }
  }
  if (roles.length > 0 && !deploy.githubRepository) {
    report(["deploy", "githubRepository"], `missing (required with ${roles.map((key) => `deploy.${key}`).join(" and ")}): "<owner>/<repository>", the only repository whose workflows may assume the CI roles`);
  }
  if (deploy.ciPlanRoleArn && deploy.ciPlanRoleArn === deploy.ciDeployRoleArn) {
    report(["deploy", "ciPlanRoleArn"], "must differ from ciDeployRoleArn: a plan runs a pull request's code, and must never hold the rights to deploy", { value: deploy.ciPlanRoleArn });
  }
  if (roles.length > 0 && deploy.assumeRoleArn) {
    report(["deploy", "assumeRoleArn"], "cannot be combined with the CI roles: they are in the environment's account already, and the provider would act as this role instead of them", { value: deploy.assumeRoleArn });
  }
  if (!bootstrap || !state) return;
  if (bootstrap.state === "s3" && state.backend !== "s3") {
    report(["bootstrap", "state"], `"s3" keeps the bootstrap's state in the environment's state bucket, and this environment has none (state.backend is "${state.backend}")`, { value: "s3" });
  }
  if (state.backend === "s3" && bootstrap.stateBucket === "create" && region && state.region && state.region !== region) {
    report(["state", "region"], `the bootstrap creates the state bucket in ${region}, the environment's region: leave state.region out, or make the bucket yourself and set bootstrap.stateBucket to "existing"`, { value: state.region });
  }
}

/** A managed scanning configuration says what it scans with, and scans something; continuous scanning is Inspector's. */
function checkRegistry(
  registry: EnvironmentFile["registry"],
  strategies: readonly Strategy[] | undefined,
  build: EnvironmentFile["build"] | undefined,
  mirror: EnvironmentFile["mirror"] | undefined,
  report: Reporter,
): void {
  const scanning = registry.scanning;
  if (!scanning.manage) return;
  if (!scanning.scanType) {
    report(["registry", "scanning", "scanType"], 'missing (required with manage): "BASIC" or "ENHANCED", what the registry scans with (a registry on ENHANCED is never set back)');
  } else if (scanning.frequency === "CONTINUOUS_SCAN" && scanning.scanType === "BASIC") {
    report(["registry", "scanning", "frequency"], 'CONTINUOUS_SCAN needs scanType "ENHANCED" (Amazon Inspector)', { value: scanning.frequency });
  }
  const hostsMirror = strategies?.includes("mirror") && mirror?.registry === "own";
  if (!hostsMirror && build?.imageRepository.create === false && scanning.additionalFilters.length === 0) {
    report(["registry", "scanning", "additionalFilters"], "nothing to scan: this environment has no image repository and hosts no mirror; list the repositories to scan, or set manage to false");
  }
}

/** What the region's partition does not offer: CodePipeline in China, repository creation templates outside the aws partition. */
function checkPartition(
  region: string,
  strategies: readonly Strategy[] | undefined,
  build: EnvironmentFile["build"] | undefined,
  mirror: EnvironmentFile["mirror"] | undefined,
  report: Reporter,
): void {
  const partition = partitionOf(region);
  if (build?.source.type === "CODEPIPELINE" && !PARTITION_FACTS[partition].codePipeline) {
    report(["build", "source", "type"], `CodePipeline is not offered in ${region} (${partition}): use a Git source, or NO_SOURCE with your own buildspec`, {
      value: "CODEPIPELINE",
    });
  }
  if (!strategies?.includes("mirror") || !mirror) return;
  if (mirror.registry === "own" && !PARTITION_FACTS[partition].repositoryCreationTemplates) {
    report(
      ["mirror", "registry"],
      `a mirror cannot be hosted in ${region}: ECR repository creation templates, which give the cache's repositories their lifecycle ` +
        `and encryption, are not offered in the ${partition} partition. Use authenticated or fixed-ip here`,
      { value: "own" },
    );
  }
  if (mirror.registry === "shared" && mirror.region && partitionOf(mirror.region) !== partition) {
    report(["mirror", "region"], `is in the ${partitionOf(mirror.region)} partition, this environment in ${partition}: no role can pull across partitions`, {
      value: mirror.region,
    });
  }
}

/** Zones belong to the region; one Elastic IP per NAT gateway; no subnet twice. */
function checkNetwork(network: EnvironmentFile["network"], region: string, report: Reporter): void {
  if (network.vpc === "existing") {
    network.privateSubnetIds.forEach((id, index) => {
      if (network.privateSubnetIds.indexOf(id) !== index) report(["network", "privateSubnetIds", index], "listed twice", { value: id });
    });
    return;
  }
  const zones = network.availabilityZones ?? defaultAvailabilityZones(region);
  network.availabilityZones?.forEach((zone, index) => {
    const where: PathKey[] = ["network", "availabilityZones", index];
    const elsewhere = zoneInRegionProblem(zone, region);
    if (elsewhere) {
      report(where, elsewhere, { value: zone });
    } else if (zones.indexOf(zone) !== index) {
      report(where, "listed twice", { value: zone });
    }
  });
  const natCount = network.natGateways === "single" ? 1 : zones.length;
  const allocationIds = network.elasticIps.allocationIds;
  if (allocationIds && allocationIds.length !== natCount) {
    report(
      ["network", "elasticIps", "allocationIds"],
      `${allocationIds.length} allocation ids for ${natCount} NAT gateway${natCount === 1 ? "" : "s"} ` +
        `(natGateways "${network.natGateways}" with ${zones.length} zone${zones.length === 1 ? "" : "s"}): give exactly one per NAT gateway`,
      { value: allocationIds },
    );
  }
}

/** Distinct prefixes, credentials where the upstream needs them, no image or account twice. */
function checkMirror(mirror: EnvironmentFile["mirror"], account: string | undefined, report: Reporter): void {
  const prefixes: [PathKey[], string][] = [
    [["mirror", "cachePrefixes", "dockerHub"], mirror.cachePrefixes.dockerHub],
    [["mirror", "cachePrefixes", "ecrPublic"], mirror.cachePrefixes.ecrPublic],
    ...(mirror.registry === "own"
      ? mirror.upstreams.map((u, i): [PathKey[], string] => [["mirror", "upstreams", i, "prefix"], u.prefix])
      : mirror.upstreamPrefixes.map((p, i): [PathKey[], string] => [["mirror", "upstreamPrefixes", i], p])),
    [["mirror", "pinnedPrefix"], mirror.pinnedPrefix],
  ];
  prefixes.forEach(([where, prefix], index) => {
    if (prefixes.findIndex(([, other]) => other === prefix) !== index) {
      report(where, "already used by another mirror prefix: every cache and the pinned repositories need their own", { value: prefix });
    }
  });
  if (mirror.registry === "shared") return;
  mirror.upstreams.forEach((upstream, index) => {
    if ((upstream.url === "ghcr.io" || upstream.url === "registry.gitlab.com") && !upstream.credentialSecretName) {
      report(["mirror", "upstreams", index, "credentialSecretName"], `missing (required for ${upstream.url}: ECR's cache needs credentials for it)`);
    }
  });
  mirror.images.forEach((image, index) => {
    if (mirror.images.indexOf(image) !== index) report(["mirror", "images", index], "listed twice", { value: image });
  });
  const pinned = new Map(mirror.images.map((image, index) => [repositoryPathOf(image), index]));
  mirror.retiredImages.forEach((image, index) => {
    const still = pinned.get(repositoryPathOf(image));
    if (still !== undefined) {
      report(
        ["mirror", "retiredImages", index],
        `its repository ${mirror.pinnedPrefix}/${repositoryPathOf(image)} still holds mirror.images[${still}] (${mirror.images[still]}): ` +
          "retire a repository only when no pinned image uses it",
        { value: image },
      );
    }
  });
  mirror.sharing.accountIds.forEach((id, index) => {
    if (id === account) report(["mirror", "sharing", "accountIds", index], "is this environment's own account: it needs no sharing", { value: id });
    else if (mirror.sharing.accountIds.indexOf(id) !== index) report(["mirror", "sharing", "accountIds", index], "listed twice", { value: id });
  });
}

/**
 * Settings a valid file holds that do nothing with its strategies (the
 * stacks never read them), and the CodePipeline artifact default: warnings,
 * naming the file and the field. Only fields the file sets count, not defaults.
 */
function warningsFor(raw: Record<string, unknown>, environment: Environment): Problem[] {
  const warnings: Problem[] = [];
  const warn = (keys: readonly PathKey[], message: string) => warnings.push({ file: environment.file, path: formatPath(keys), message });
  const set = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);
  const inert = (section: string, strategy: Strategy, kept: readonly string[] = []) => {
    const fields = raw[section];
    if (!set(fields) || uses(environment, strategy)) return;
    for (const key of Object.keys(fields).filter((k) => !kept.includes(k))) {
      warn([section, key], `has no effect: the strategy does not include "${strategy}"`);
    }
  };
  const hostsMirror = uses(environment, "mirror") && environment.mirror.registry === "own";
  // The username also goes into the mirror's secret; removal policies decide what happens when a strategy is dropped.
  inert("dockerHub", "authenticated", hostsMirror ? ["username"] : []);
  inert("network", "fixed-ip", ["elasticIps", "vpc"]);
  inert("mirror", "mirror", ["removalPolicy", "registry"]);
  const scanning = (raw.registry as Record<string, unknown> | undefined)?.scanning;
  if (set(scanning) && !environment.registry.scanning.manage) {
    for (const key of Object.keys(scanning).filter((k) => k !== "manage")) warn(["registry", "scanning", key], "has no effect: manage is false");
  }
  const bootstrap = raw.bootstrap;
  if (set(bootstrap)) {
    for (const key of Object.keys(bootstrap)) {
      if (!environment.bootstrap) {
        warn(["bootstrap", key], "has no effect: this environment has no bootstrap stack (it names no CI role and keeps no state in a bucket the bootstrap creates)");
      } else if (key === "stateVersionRetentionDays" && !environment.bootstrap.stateBucket) {
        warn(["bootstrap", key], "has no effect: the bootstrap does not create the state bucket");
      } else if (key === "githubOidcProvider" && !environment.bootstrap.planRole && !environment.bootstrap.deployRole) {
        warn(["bootstrap", key], "has no effect: the environment names no CI role");
      }
    }
  }
  const source = environment.build.source;
  if (source.type === "CODEPIPELINE" && !source.artifactBucket) {
    warn(
      ["build", "source", "artifactBucket"],
      `not set: the build role may read and write the artifact stores the CodePipeline console creates in ${environment.region} ` +
        `(codepipeline-${environment.region}-*); name your pipeline's bucket to limit it to that one`,
    );
  }
  return warnings;
}

/**
 * An environment that builds against the mirror of another environment of
 * this project: that one must host a mirror, in the region this one pulls
 * from, with the same prefixes, and share it with this account.
 */
function checkAcrossEnvironments(environments: readonly Environment[]): Problem[] {
  const problems: Problem[] = [];
  for (const environment of environments) {
    const mirror = environment.mirror;
    if (!uses(environment, "mirror") || mirror.registry !== "shared") continue;
    const host = environments.find((other) => other !== environment && other.accountId === mirror.accountId && other.region === mirror.region)
      ?? environments.find((other) => other !== environment && other.accountId === mirror.accountId);
    if (!host) continue;
    const problem = (path: string, message: string) => problems.push({ file: environment.file, path, message: `${message} (${host.file})` });
    const hosted = host.mirror;
    if (!uses(host, "mirror") || hosted.registry !== "own") {
      problem("mirror.accountId", `builds against the mirror of account ${mirror.accountId}, but ${host.name} does not host one there`);
      continue;
    }
    if (host.region !== mirror.region) {
      problem("mirror.region", `pulls from ${mirror.region}, but ${host.name} hosts its mirror in ${host.region}`);
      continue;
    }
    const sharedWith = hosted.sharing.accountIds.includes(environment.accountId) || hosted.sharing.organizationId !== undefined;
    if (!sharedWith) {
      problem("mirror.accountId", `builds against ${host.name}'s mirror, which is not shared with account ${environment.accountId}: add it to mirror.sharing.accountIds there`);
    }
    const theirs = [hosted.cachePrefixes.dockerHub, hosted.cachePrefixes.ecrPublic, ...hosted.upstreams.map((u) => u.prefix), hosted.pinnedPrefix];
    const ours = [mirror.cachePrefixes.dockerHub, mirror.cachePrefixes.ecrPublic, ...mirror.upstreamPrefixes, mirror.pinnedPrefix];
    const missing = ours.filter((prefix) => !theirs.includes(prefix));
    if (missing.length > 0) {
      problem("mirror.cachePrefixes", `pulls from prefixes ${missing.join(", ")} that ${host.name}'s mirror does not have (it has ${theirs.join(", ")})`);
    }
  }
  return problems;
}

/** A valid file as the stack needs it: every default and derived name filled in. */
function resolveEnvironment(name: string, file: string, config: EnvironmentFile, projectRoot: string, buildspec?: string): Environment {
  const base = `${config.project}-${name}`;
  const { buildspecFile: _file, ...build } = config.build;
  const { network, mirror } = config;
  const state = resolveState(config, name, projectRoot);
  const bootstrap = resolveBootstrap(config, name, projectRoot, state);
  return {
    name,
    file,
    accountId: config.account,
    region: config.region,
    strategies: normalizeStrategies(config.strategy),
    project: config.project,
    tags: { environment: name, project: config.project, "managed-by": "cdktf", ...config.tags },
    state,
    deploy: config.deploy,
    ...(bootstrap ? { bootstrap } : {}),
    registry: config.registry,
    estimates: config.estimates,
    policy: config.policy,
    dockerHub: {
      ...config.dockerHub,
      parameterPrefix: config.dockerHub.parameterPrefix ?? `/${config.project}/${name}/dockerhub`,
    },
    build: {
      ...build,
      projectName: build.projectName ?? base,
      ...(buildspec === undefined ? {} : { buildspec }),
      imageRepository: { ...build.imageRepository, name: build.imageRepository.name ?? base },
    },
    network: network.vpc === "new" ? { ...network, availabilityZones: network.availabilityZones ?? defaultAvailabilityZones(config.region) } : network,
    mirror:
      mirror.registry === "shared"
        ? { ...mirror, region: mirror.region ?? config.region }
        : {
            ...mirror,
            secretName: `ecr-pullthroughcache/${base}-docker-hub`,
            syncProjectName: `${base}-mirror-sync`,
            pinnedRepositories: [...new Set(mirror.images.map(repositoryPathOf))],
            retiredRepositories: [...new Set(mirror.retiredImages.map(repositoryPathOf))],
          },
  };
}

function resolveState(config: EnvironmentFile, name: string, projectRoot: string): Environment["state"] {
  const state = config.state;
  switch (state.backend) {
    case "local":
      return { backend: "local", path: path.resolve(projectRoot, state.path ?? `terraform.${name}.tfstate`) };
    case "s3":
      return { ...state, key: state.key ?? `${config.project}/${name}/terraform.tfstate`, region: state.region ?? config.region };
    case "cloud":
      return { ...state, workspace: state.workspace ?? `${config.project}-${name}` };
  }
}

/**
 * The bootstrap stack, when the environment needs one: CI roles to create,
 * or a state bucket to create. Its own state starts local and moves into
 * the environment's bucket (`bootstrap.state: "s3"`), under its own key.
 */
function resolveBootstrap(config: EnvironmentFile, name: string, projectRoot: string, state: Environment["state"]): Bootstrap | undefined {
  const { ciPlanRoleArn, ciDeployRoleArn, githubRepository } = config.deploy;
  const createsBucket = state.backend === "s3" && config.bootstrap.stateBucket === "create";
  if (!ciPlanRoleArn && !ciDeployRoleArn && !createsBucket) return undefined;
  const stackName = `${name}${BOOTSTRAP_SUFFIX}`;
  const environmentState = state.backend === "s3" ? { bucket: state.bucket, key: state.key, region: state.region, kmsKeyId: state.kmsKeyId } : undefined;
  const partition = partitionOf(config.region);
  const stateKey = `${config.project}/${stackName}/terraform.tfstate`;
  return {
    stackName,
    stateKey,
    githubRepository,
    githubOidcProvider: config.bootstrap.githubOidcProvider,
    stateBucket: createsBucket ? { name: state.bucket, versionRetentionDays: config.bootstrap.stateVersionRetentionDays, kmsKeyId: state.kmsKeyId } : undefined,
    environmentState,
    state:
      config.bootstrap.state === "s3" && environmentState
        ? { backend: "s3", bucket: environmentState.bucket, key: stateKey, region: environmentState.region, kmsKeyId: environmentState.kmsKeyId }
        : { backend: "local", path: path.resolve(projectRoot, `terraform.${stackName}.tfstate`) },
    planRole: ciPlanRoleArn ? roleOf(ciPlanRoleArn) : undefined,
    deployRole: ciDeployRoleArn ? roleOf(ciDeployRoleArn) : undefined,
    permissionsBoundary: ciDeployRoleArn
      ? { name: `${config.project}-${name}-boundary`, arn: `arn:${partition}:iam::${config.account}:policy/${config.project}-${name}-boundary` }
      : undefined,
  };
}

/** A role's name and path, from its ARN (arn:aws:iam::<account>:role/<path/><name>). */
function roleOf(arn: string): BootstrapRole {
  const resource = arn.slice(arn.indexOf(":role/") + ":role/".length);
  const slash = resource.lastIndexOf("/");
  return { arn, name: resource.slice(slash + 1), path: slash < 0 ? "/" : `/${resource.slice(0, slash + 1)}` };
}

/** One strategy or a list of them, as a list in the order of STRATEGIES (the schema refused duplicates). */
function normalizeStrategies(strategy: EnvironmentFile["strategy"]): Strategy[] {
  const listed: readonly Strategy[] = typeof strategy === "string" ? [strategy] : strategy;
  return STRATEGIES.filter((s) => listed.includes(s));
}

function readBuildspec(projectRoot: string, relativeFile: string, fail: (message: string) => void): string | undefined {
  const file = path.resolve(projectRoot, relativeFile);
  if (!fs.existsSync(file)) {
    fail(`file not found (paths are relative to the project root, ${projectRoot})`);
    return undefined;
  }
  const text = fs.readFileSync(file, "utf8");
  let spec: unknown;
  try {
    spec = parseYaml(text);
  } catch (error) {
    fail(`not valid YAML: ${(error as Error).message.split("\n")[0]}`);
    return undefined;
  }
  const record = spec as { version?: unknown; phases?: unknown } | null;
  if (!record || typeof record !== "object" || String(record.version) !== "0.2" || typeof record.phases !== "object") {
    fail("not a CodeBuild buildspec: expected a YAML mapping with version: 0.2 and phases");
    return undefined;
  }
  return text;
}

/** "property name expected (line 3, column 13)". */
function jsonError(error: ParseError, text: string): string {
  const before = text.slice(0, error.offset);
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  const what = printParseErrorCode(error.error).replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return `${what} (line ${line}, column ${column})`;
}

/** `build.source.type`, `strategy[1]`. */
export function formatPath(keys: readonly PathKey[]): string {
  return keys.reduce<string>(
    (text, key) => (typeof key === "number" ? `${text}[${key}]` : text === "" ? key : `${text}.${key}`),
    "",
  );
}

interface Described {
  readonly path: PathKey[];
  readonly message: string;
  readonly received?: { value: unknown };
}

/** Turns a zod issue into problems that name the field, the value received, and what is allowed. */
function describeIssue(issue: z.core.$ZodIssue, raw: unknown): Described[] {
  const at = issue.path.filter((key): key is PathKey => typeof key !== "symbol");
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => {
        const allowed = allowedKeysAt(at, raw);
        const suggestion = closest(key, allowed);
        const hint =
          suggestion && distance(key, suggestion) <= Math.max(2, Math.floor(key.length / 3)) ? ` (did you mean "${suggestion}"?)` : "";
        return {
          path: [...at, key],
          message: `unknown field${hint}; allowed here: ${allowed.join(", ")}`,
          received: { value: valueAt(raw, [...at, key]) },
        };
      });
    case "invalid_union":
      if (issue.discriminator !== undefined) {
        const discriminator = issue.discriminator;
        const keys = at[at.length - 1] === discriminator ? at : [...at, discriminator];
        return [described(keys, issue.message, raw)];
      }
      return [described(at, issue.message, raw, issue.input)];
    case "invalid_key":
      // A record key that its key schema refused: the key schema's own message says why.
      return [described(at, `key ${issue.issues.map((i) => i.message).join("; ")}`, raw, issue.input)];
    default:
      return [described(at, issue.message, raw, issue.input)];
  }
}

/** A problem at `keys`; a missing field says "required" first. */
function described(keys: PathKey[], message: string, raw: unknown, input: unknown = valueAt(raw, keys)): Described {
  const missing = input === undefined && valueAt(raw, keys) === undefined;
  return missing ? { path: keys, message: `missing (required): ${message}` } : { path: keys, message, received: { value: input } };
}

function valueAt(raw: unknown, keys: readonly PathKey[]): unknown {
  return keys.reduce<unknown>(
    (value, key) => (value !== null && typeof value === "object" ? (value as Record<PathKey, unknown>)[key] : undefined),
    raw,
  );
}

type JsonSchema = {
  properties?: Record<string, JsonSchema>;
  propertyNames?: { enum?: string[] };
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
};

let cachedJsonSchema: JsonSchema | undefined;

/** The field names the published JSON Schema allows at `keys`, for "did you mean" hints. */
function allowedKeysAt(keys: readonly PathKey[], raw: unknown): string[] {
  cachedJsonSchema ??= environmentJsonSchema() as JsonSchema;
  let candidates: JsonSchema[] = [cachedJsonSchema];
  keys.forEach((key, depth) => {
    const value = valueAt(raw, keys.slice(0, depth + 1));
    candidates = candidates.flatMap((schema) => {
      const options = [...(schema.oneOf ?? []), ...(schema.anyOf ?? []), schema];
      return options.flatMap((option) => {
        const next = typeof key === "number" ? option.items : option.properties?.[key];
        return next ? pickUnionMember(next, value) : [];
      });
    });
  });
  // Objects list their fields; maps with a closed set of keys (partialRecord) list those.
  return [...new Set(candidates.flatMap((schema) => [...Object.keys(schema.properties ?? {}), ...(schema.propertyNames?.enum ?? [])]))].sort();
}

/** For a discriminated union, the member whose constant fields match `value`; otherwise every member. */
function pickUnionMember(schema: JsonSchema, value: unknown): JsonSchema[] {
  const members = schema.oneOf ?? schema.anyOf;
  if (!members) return [schema];
  const given = (key: string) => (value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined);
  const matching = members.filter((member) =>
    Object.entries(member.properties ?? {}).every(([key, property]) => {
      const value = given(key);
      if (property.const !== undefined) return (value ?? (property as { default?: unknown }).default) === property.const;
      return value === undefined || !property.enum || property.enum.includes(value);
    }),
  );
  return matching.length > 0 ? matching : members;
}
