/**
 * The checks that need several fields (or several files) at once: names that
 * must fit IAM, keys in the right region and partition, what a partition does
 * not offer, zones, prefixes, CI roles and state; and warnings for settings
 * that do nothing. Each reports at the field it is about.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { ROLE_NAMES } from "../aws/defaults";
import { repositoryPathOf } from "../aws/images";
import { PARTITION_FACTS, partitionOf } from "../aws/partitions";
import { defaultAvailabilityZones } from "../aws/regions";
import { roleNameProblem, zoneInRegionProblem } from "../aws/rules";
import { Environment, usesStrategy } from "./environment";
import { formatPath, PathKey, Problem } from "./problems";
import { normalizeStrategies } from "./resolve";
import { EnvironmentFile, Strategy } from "./schema";

export type Reporter = (keys: readonly PathKey[], message: string, received?: { value: unknown }) => void;

/** Names that must fit IAM, a key in the right region, a buildspec that exists, zones, prefixes. Returns the buildspec read. */
export function checkAcrossFields(name: string, config: Partial<EnvironmentFile>, projectRoot: string, report: Reporter): string | undefined {
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
  if (projectName && roleNameProblem(ROLE_NAMES.build(projectName))) {
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
  const schedulerRole = ROLE_NAMES.scheduler(`${base}-mirror-sync`);
  if (mirror?.registry === "own" && base && roleNameProblem(schedulerRole)) {
    report(["project"], `too long for the mirror: its scheduler role would be ${schedulerRole}, over IAM's 64 characters`, {
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

/**
 * Settings a valid file holds that do nothing with its strategies (the
 * stacks never read them), and the CodePipeline artifact default: warnings,
 * naming the file and the field. Only fields the file sets count, not defaults.
 */
export function warningsFor(raw: Record<string, unknown>, environment: Environment): Problem[] {
  const warnings: Problem[] = [];
  const warn = (keys: readonly PathKey[], message: string) => warnings.push({ file: environment.file, path: formatPath(keys), message });
  const set = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);
  const inert = (section: string, strategy: Strategy, kept: readonly string[] = []) => {
    const fields = raw[section];
    if (!set(fields) || usesStrategy(environment, strategy)) return;
    for (const key of Object.keys(fields).filter((k) => !kept.includes(k))) {
      warn([section, key], `has no effect: the strategy does not include "${strategy}"`);
    }
  };
  const hostsMirror = usesStrategy(environment, "mirror") && environment.mirror.registry === "own";
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
export function checkAcrossEnvironments(environments: readonly Environment[]): Problem[] {
  const problems: Problem[] = [];
  for (const environment of environments) {
    const mirror = environment.mirror;
    if (!usesStrategy(environment, "mirror") || mirror.registry !== "shared") continue;
    const host = environments.find((other) => other !== environment && other.accountId === mirror.accountId && other.region === mirror.region)
      ?? environments.find((other) => other !== environment && other.accountId === mirror.accountId);
    if (!host) continue;
    const problem = (path: string, message: string) => problems.push({ file: environment.file, path, message: `${message} (${host.file})` });
    const hosted = host.mirror;
    if (!usesStrategy(host, "mirror") || hosted.registry !== "own") {
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
