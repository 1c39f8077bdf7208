/**
 * Mirror: each pull-through cache rule validates against its upstream (ECR
 * logs in with the rule's credentials), the sync job's last run succeeded and
 * the pinned images it copies are in the mirror, and the failed-sync alarm
 * is not raised. All reads; ValidatePullThroughCacheRule only tests the rule.
 */
import { syncAlarmName } from "../../aws/defaults";
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { BatchGetBuildsCommand, Build, ListBuildsForProjectCommand } from "@aws-sdk/client-codebuild";
import { DescribeImagesCommand, DescribePullThroughCacheRulesCommand, PullThroughCacheRule, ValidatePullThroughCacheRuleCommand } from "@aws-sdk/client-ecr";
import { repositoryPathOf } from "../../aws/images";
import { Environment, usesStrategy } from "../../config/environment";
import { CheckResult, day, errorName, fail, guarded, ok, warn } from "../check";
import { deployCommand, DoctorContext, setTokenCommand } from "../context";

const AREA = "mirror";

type OwnMirror = Extract<Environment["mirror"], { registry: "own" }>;

/** The upstreams the stack gives the cache, by prefix: Docker Hub, ECR Public, then the config's. */
function expectedRules(mirror: OwnMirror): { prefix: string; url: string; credentialSecretName?: string }[] {
  return [
    { prefix: mirror.cachePrefixes.dockerHub, url: "registry-1.docker.io", credentialSecretName: mirror.secretName },
    { prefix: mirror.cachePrefixes.ecrPublic, url: "public.ecr.aws" },
    ...mirror.upstreams.map((u) => ({ prefix: u.prefix, url: u.url, ...(u.credentialSecretName ? { credentialSecretName: u.credentialSecretName } : {}) })),
  ];
}

/** The mirror checks, when the environment uses the mirror strategy. */
export async function mirrorChecks(context: DoctorContext): Promise<CheckResult[]> {
  const { environment } = context;
  if (!usesStrategy(environment, "mirror")) return [];
  const mirror = environment.mirror;
  if (mirror.registry === "shared") {
    return [
      ok(
        "mirror.location",
        AREA,
        `builds pull through account ${mirror.accountId}'s mirror (${mirror.region}): run the doctor for the environment that hosts it to check its rules, sync and alarm`,
      ),
    ];
  }
  const results = await guarded("mirror.rules", AREA, "read the pull-through cache rules", () => rules(context, mirror));
  if (mirror.images.length > 0) {
    results.push(...(await guarded("mirror.sync", AREA, `read the sync job ${mirror.syncProjectName}'s builds`, () => lastSync(context, mirror))));
    results.push(...(await guarded("mirror.images", AREA, "read the pinned images", () => pinnedImages(context, mirror))));
    results.push(...(await guarded("mirror.alarm", AREA, "read the failed-sync alarm", () => alarm(context, mirror))));
  }
  return results;
}

/** One line per expected rule: missing, pointing elsewhere, or what ValidatePullThroughCacheRule says. */
async function rules(context: DoctorContext, mirror: OwnMirror): Promise<CheckResult[]> {
  const { environment, clients } = context;
  const existing = new Map<string, PullThroughCacheRule>();
  let nextToken: string | undefined;
  do {
    const page = await clients.ecr.send(new DescribePullThroughCacheRulesCommand({ nextToken }));
    for (const rule of page.pullThroughCacheRules ?? []) if (rule.ecrRepositoryPrefix) existing.set(rule.ecrRepositoryPrefix, rule);
    nextToken = page.nextToken;
  } while (nextToken);

  const results: CheckResult[] = [];
  for (const expected of expectedRules(mirror)) {
    const id = `mirror.rule.${expected.prefix}`;
    const rule = existing.get(expected.prefix);
    const name = `pull-through cache rule ${expected.prefix}/ → ${expected.url}`;
    if (!rule) {
      results.push(fail(id, AREA, `no pull-through cache rule for ${expected.prefix}/: builds pulling through ${expected.prefix}/ fail`, `${deployCommand(environment)}: it creates the rule`));
      continue;
    }
    if (rule.upstreamRegistryUrl !== expected.url) {
      results.push(fail(id, AREA, `the pull-through cache rule for ${expected.prefix}/ points at ${rule.upstreamRegistryUrl}, not ${expected.url}`, `${deployCommand(environment)}: it replaces the rule`));
      continue;
    }
    const validation = await clients.ecr.send(new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: expected.prefix }));
    if (validation.isValid) {
      results.push(ok(id, AREA, `${name} validates against its upstream`));
    } else {
      const why = validation.failure ? `: ${validation.failure}` : "";
      const fix =
        expected.prefix === mirror.cachePrefixes.dockerHub
          ? `the secret ${mirror.secretName} must hold a valid Docker Hub access token: ${setTokenCommand(environment)}; then run the doctor again`
          : expected.credentialSecretName
            ? `check the credentials in the secret ${expected.credentialSecretName}, then run the doctor again`
            : `${expected.url} did not accept ECR's check: run the doctor again later; if it persists, ${deployCommand(environment)}`;
      results.push(fail(id, AREA, `${name} does not validate against its upstream${why}`, fix));
    }
  }
  return results;
}

/** The sync job's latest build: succeeded, running, failed, or never ran. */
async function lastSync(context: DoctorContext, mirror: OwnMirror): Promise<CheckResult[]> {
  const { environment, clients } = context;
  const id = "mirror.sync";
  const project = mirror.syncProjectName;
  const startIt = `aws codebuild start-build --project-name ${project} --region ${environment.region}`;
  let ids: string[];
  try {
    ({ ids = [] } = await clients.codebuild.send(new ListBuildsForProjectCommand({ projectName: project, sortOrder: "DESCENDING" })));
  } catch (error) {
    if (errorName(error) !== "ResourceNotFoundException") throw error;
    return [fail(id, AREA, `the sync job's project ${project} does not exist: the pinned images are never copied`, `${deployCommand(environment)}: it creates the project`)];
  }
  if (ids.length === 0) {
    return [warn(id, AREA, `the sync job ${project} has not run yet (schedule ${mirror.sync.schedule})`, `start it now: ${startIt}`)];
  }
  const { builds = [] } = await clients.codebuild.send(new BatchGetBuildsCommand({ ids: ids.slice(0, 100) }));
  const latest = latestBuild(builds);
  if (!latest) return [warn(id, AREA, `the sync job ${project}'s builds could not be read`, `start it: ${startIt}`)];
  const started = latest.startTime ? ` started ${day(latest.startTime)}` : "";
  switch (latest.buildStatus) {
    case "SUCCEEDED":
      return [ok(id, AREA, `the sync job's last run (${latest.id}) succeeded${latest.endTime ? ` ${day(latest.endTime)}` : started}`)];
    case "IN_PROGRESS":
      return [warn(id, AREA, `the sync job is running (${latest.id},${started})`, "run the doctor again when it ends")];
    default:
      return [
        fail(
          id,
          AREA,
          `the sync job's last run (${latest.id},${started}) ${latest.buildStatus ?? "ended"}: pinned images may be missing or stale`,
          `read its log${latest.logs?.deepLink ? ` (${latest.logs.deepLink})` : ""}: each image that failed is named there; then start it again: ${startIt}`,
        ),
      ];
  }
}

/** The build that started last (ListBuildsForProject's order is by id, not always by time). */
function latestBuild(builds: readonly Build[]): Build | undefined {
  return [...builds].sort((a, b) => (b.startTime?.getTime() ?? 0) - (a.startTime?.getTime() ?? 0))[0];
}

/** Every pinned image by its tag in the pinned repositories: what the sync job records there. */
async function pinnedImages(context: DoctorContext, mirror: OwnMirror): Promise<CheckResult[]> {
  const { environment, clients } = context;
  const id = "mirror.images";
  const missing: string[] = [];
  const pushed: Date[] = [];
  for (const image of mirror.images) {
    const repositoryName = `${mirror.pinnedPrefix}/${repositoryPathOf(image)}`;
    const imageTag = image.slice(image.lastIndexOf(":") + 1);
    try {
      const { imageDetails = [] } = await clients.ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag }] }));
      if (imageDetails.length === 0) missing.push(`${repositoryName}:${imageTag}`);
      for (const detail of imageDetails) if (detail.imagePushedAt) pushed.push(detail.imagePushedAt);
    } catch (error) {
      if (errorName(error) === "ImageNotFoundException") missing.push(`${repositoryName}:${imageTag}`);
      else if (errorName(error) === "RepositoryNotFoundException") missing.push(`${repositoryName}:${imageTag} (no repository)`);
      else throw error;
    }
  }
  const total = mirror.images.length;
  if (missing.length > 0) {
    const noRepository = missing.some((m) => m.endsWith("(no repository)"));
    return [
      fail(
        id,
        AREA,
        `${missing.length} of ${total} pinned images are not in the mirror: ${missing.join(", ")}`,
        noRepository
          ? `${deployCommand(environment)}: it creates the pinned repositories; then start the sync job: aws codebuild start-build --project-name ${mirror.syncProjectName}`
          : `the sync job copies them: start it (aws codebuild start-build --project-name ${mirror.syncProjectName}) and read its log`,
      ),
    ];
  }
  const latest = pushed.length > 0 ? `, last pushed ${day(new Date(Math.max(...pushed.map((d) => d.getTime()))))}` : "";
  return [ok(id, AREA, `all ${total} pinned images are in the mirror under ${mirror.pinnedPrefix}/${latest}`)];
}

/** The failed-sync alarm's state: OK, or ALARM (a run failed in its one-day period). */
async function alarm(context: DoctorContext, mirror: OwnMirror): Promise<CheckResult[]> {
  const { environment, clients } = context;
  const id = "mirror.alarm";
  const name = syncAlarmName(mirror.syncProjectName);
  const { MetricAlarms = [] } = await clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
  const found = MetricAlarms.find((a) => a.AlarmName === name);
  if (!found) return [fail(id, AREA, `the alarm ${name} does not exist: a failed sync would go unnoticed`, `${deployCommand(environment)}: it creates the alarm`)];
  const since = found.StateUpdatedTimestamp ? ` since ${day(found.StateUpdatedTimestamp)}` : "";
  switch (found.StateValue) {
    case "OK":
      return [ok(id, AREA, `the alarm ${name} is OK${since}`)];
    case "ALARM":
      return [
        fail(
          id,
          AREA,
          `the alarm ${name} is in ALARM${since}: a sync run failed${found.StateReason ? ` (${found.StateReason})` : ""}`,
          `read the sync job's last log, fix what it names (the token, an image that no longer exists), then start it again: aws codebuild start-build --project-name ${mirror.syncProjectName}`,
        ),
      ];
    default:
      return [warn(id, AREA, `the alarm ${name} has no data yet (${found.StateValue ?? "unknown"})`, "nothing to do: it settles after the sync job's first run")];
  }
}
