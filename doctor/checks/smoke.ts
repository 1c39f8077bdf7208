/**
 * --smoke: one real build of the environment's project, with a buildspec of
 * the doctor's own (the project's role, network and variables as they are):
 * it prints its egress IP and Docker Hub's ratelimit headers for it (a HEAD
 * with an anonymous token: no pull counted), then pulls a small public image
 * the way the chosen strategy does. The doctor waits for it, then checks the
 * egress IP against the Elastic IPs. The one thing the doctor starts.
 *
 * The build exports what it found as CodeBuild exported variables (read back
 * with BatchGetBuilds) and prints them as `DOCTOR_<NAME>=<value>` lines, which
 * the doctor reads from the build's log when a build carries no exported
 * variables.
 */
import { GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { BatchGetBuildsCommand, Build, StartBuildCommand } from "@aws-sdk/client-codebuild";
import { partitionOf } from "../../aws/partitions";
import { Environment, usesStrategy } from "../../config/environment";
import { renderBuildSpec } from "../../constructs/buildspec";
import { CheckResult, describeError, fail, ok, warn } from "../check";
import { DoctorContext, setTokenCommand } from "../context";
import { expectedEgressIps } from "./network";

const AREA = "smoke";

/** The image the smoke build pulls: the smallest official one (one pull counted, by whoever the strategy pulls as). */
export const SMOKE_IMAGE = "library/hello-world:latest";
/** A repository Docker Hub keeps for reading the ratelimit headers. */
const RATELIMIT_REPOSITORY = "ratelimitpreview/test";

/** What the smoke build exports, by the doctor's name for it. */
export const SMOKE_VARIABLES = {
  egressIp: "DOCTOR_EGRESS_IP",
  limit: "DOCTOR_RATELIMIT_LIMIT",
  remaining: "DOCTOR_RATELIMIT_REMAINING",
  source: "DOCTOR_RATELIMIT_SOURCE",
  pulled: "DOCTOR_PULLED",
} as const;

/** How the smoke build pulls: as builds do with the environment's strategies (the mirror first, then logged in, else anonymously). */
export type SmokePull = { readonly via: "mirror"; readonly region: string } | { readonly via: "authenticated" } | { readonly via: "anonymous" };

/** The way builds of this environment pull from Docker Hub. */
export function smokePull(environment: Environment): SmokePull {
  if (usesStrategy(environment, "mirror")) {
    return { via: "mirror", region: environment.mirror.registry === "shared" ? environment.mirror.region : environment.region };
  }
  return usesStrategy(environment, "authenticated") ? { via: "authenticated" } : { via: "anonymous" };
}

/** The pull as the report says it. */
function describePull(environment: Environment, pull: SmokePull): string {
  switch (pull.via) {
    case "mirror":
      return "through the mirror (REGISTRY_MIRROR)";
    case "authenticated":
      return `from Docker Hub, logged in as ${environment.dockerHub.username ?? "the stored username"}`;
    case "anonymous":
      return "from Docker Hub, anonymously (counted for the egress IP)";
  }
}

/**
 * The buildspec the smoke build runs instead of the project's. Each command
 * runs in CodeBuild's one shell, so the variables it sets are exported; what
 * only informs never fails the build, the pull does.
 */
export function smokeBuildspec(environment: Environment): string {
  const v = SMOKE_VARIABLES;
  const pull = smokePull(environment);
  const header = (name: string, variable: string) =>
    `${variable}=$(printf '%s\\n' "$DOCTOR_HEADERS" | grep -i '^${name}:' | head -n 1 | cut -d: -f2- | tr -d ' ') || true`;
  const authUrl = `https://auth.docker.io/token?service=registry.docker.io&scope=repository:${RATELIMIT_REPOSITORY}:pull`;
  const manifestUrl = `https://registry-1.docker.io/v2/${RATELIMIT_REPOSITORY}/manifests/latest`;
  const info = [
    `echo "doctor smoke: ${environment.name}, strategy ${environment.strategies.join(" + ")}: pulling ${SMOKE_IMAGE} ${describePull(environment, pull)}"`,
    // The egress IP, as the internet sees it.
    `${v.egressIp}=$(curl --silent --show-error --fail --max-time 15 https://api.ipify.org) || true`,
    // An anonymous token, then a HEAD on a manifest: Docker Hub answers with the quota of the egress IP and counts no pull.
    `DOCTOR_AUTH=$(curl --silent --show-error --fail --max-time 15 "${authUrl}" | sed -n 's/.*"token" *: *"\\([^"]*\\)".*/\\1/p') || true`,
    `DOCTOR_HEADERS=$(printf 'header = "Authorization: Bearer %s"\\n' "$DOCTOR_AUTH" | curl --silent --show-error --fail --max-time 15 --head --config - ${manifestUrl} | tr -d '\\r') || true`,
    header("ratelimit-limit", v.limit),
    header("ratelimit-remaining", v.remaining),
    header("docker-ratelimit-source", v.source),
    "unset DOCTOR_AUTH DOCTOR_HEADERS",
    ...[v.egressIp, v.limit, v.remaining, v.source].map((name) => `echo "${name}=\${${name}:-}"`),
  ];
  const pullCommands = (() => {
    switch (pull.via) {
      case "mirror":
        return [
          `aws ecr get-login-password --region ${pull.region} | docker login --username AWS --password-stdin "$MIRROR_REGISTRY"`,
          `${v.pulled}="$REGISTRY_MIRROR/${SMOKE_IMAGE}"`,
        ];
      case "authenticated":
        return [
          `if [ -z "\${DOCKERHUB_TOKEN:-}" ] || [ "$DOCKERHUB_TOKEN" = UNSET ]; then echo "ERROR: no Docker Hub token is stored (SSM parameter \${DOCKERHUB_TOKEN_PARAMETER:-unknown})." >&2; false; fi`,
          `printf '%s' "$DOCKERHUB_TOKEN" | docker login --username "$DOCKERHUB_USERNAME" --password-stdin`,
          `${v.pulled}=docker.io/${SMOKE_IMAGE}`,
        ];
      case "anonymous":
        return [`${v.pulled}=docker.io/${SMOKE_IMAGE}`];
    }
  })();
  return renderBuildSpec({
    version: 0.2,
    env: { shell: "bash", "exported-variables": Object.values(v) },
    phases: {
      build: { commands: [...info, ...pullCommands, `docker pull "$${v.pulled}"`, `echo "${v.pulled}=$${v.pulled}"`] },
      // Runs after a failed pull too: no credentials outlive the build.
      post_build: { commands: [`docker logout >/dev/null 2>&1 || true`, `docker logout "\${MIRROR_REGISTRY:-}" >/dev/null 2>&1 || true`] },
    },
  });
}

/** A ratelimit header's value: `100;w=21600` is 100 pulls per 21600 s. */
export interface Quota {
  readonly count: number;
  readonly windowSeconds?: number;
}

/** What the smoke build found. */
export interface SmokeOutput {
  readonly egressIp?: string;
  readonly limit?: Quota;
  readonly remaining?: Quota;
  /** Whom Docker Hub counted (docker-ratelimit-source: the egress IP, for an anonymous token). */
  readonly source?: string;
  readonly pulled?: string;
}

/** The build's variables (exported or printed), as the doctor reads them. */
export function parseSmokeOutput(variables: Readonly<Record<string, string | undefined>>): SmokeOutput {
  const v = SMOKE_VARIABLES;
  const text = (name: string) => {
    const value = variables[name]?.trim();
    return value ? value : undefined;
  };
  const egressIp = text(v.egressIp);
  const limit = parseQuota(text(v.limit));
  const remaining = parseQuota(text(v.remaining));
  const source = text(v.source);
  const pulled = text(v.pulled);
  return {
    ...(egressIp && /^[0-9a-fA-F.:]+$/.test(egressIp) ? { egressIp } : {}),
    ...(limit ? { limit } : {}),
    ...(remaining ? { remaining } : {}),
    ...(source ? { source } : {}),
    ...(pulled ? { pulled } : {}),
  };
}

/** `100;w=21600` (or `100`) as a quota; undefined when it is not one. */
export function parseQuota(value: string | undefined): Quota | undefined {
  const match = /^(\d+)(?:;w=(\d+))?/.exec(value ?? "");
  if (!match) return undefined;
  return { count: Number(match[1]), ...(match[2] ? { windowSeconds: Number(match[2]) } : {}) };
}

/** The `DOCTOR_<NAME>=<value>` lines of a build's log (CodeBuild's own `[Container]` lines never match). */
export function variablesFromLog(lines: readonly string[]): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const line of lines) {
    const match = /^(DOCTOR_[A-Z_]+)=(.*)$/.exec(line.trimEnd());
    if (match) variables[match[1]] = match[2];
  }
  return variables;
}

/** How long the smoke build may take, and how often its status is read. */
export interface SmokeOptions {
  /** @default 5000 */
  readonly pollIntervalMs?: number;
  /** Waiting gives up after this (queue time included); the build goes on. @default 30 minutes */
  readonly timeoutMs?: number;
}

/** Starts the smoke build, waits with a progress line, and checks what it found. */
export async function smokeChecks(context: DoctorContext, options: SmokeOptions = {}): Promise<CheckResult[]> {
  const { environment, clients } = context;
  const project = environment.build.projectName;
  let build: Build | undefined;
  try {
    ({ build } = await clients.codebuild.send(
      new StartBuildCommand({
        projectName: project,
        buildspecOverride: smokeBuildspec(environment),
        // The project's source (a pipeline's artifact, a repository) is not needed, nor are its artifacts.
        sourceTypeOverride: "NO_SOURCE",
        artifactsOverride: { type: "NO_ARTIFACTS" },
        timeoutInMinutesOverride: 15,
      }),
    ));
  } catch (error) {
    return [fail("smoke.build", AREA, `could not start a build of ${project}: ${describeError(error)}`, "the doctor's credentials need codebuild:StartBuild on the project (and the project must exist)")];
  }
  if (!build?.id) return [fail("smoke.build", AREA, `CodeBuild started no build of ${project}`, "run the doctor again")];
  const id = build.id;
  context.progress(`smoke: build ${id} started: ${consoleLink(environment, id)}`);

  const interval = options.pollIntervalMs ?? 5000;
  const deadline = options.timeoutMs ?? 30 * 60_000;
  let waited = 0;
  while (build.buildStatus === "IN_PROGRESS" || build.buildStatus === undefined) {
    if (waited >= deadline) {
      return [
        fail("smoke.build", AREA, `build ${id} did not finish within ${Math.round(deadline / 60_000)} minutes (last phase ${build.currentPhase ?? "unknown"})`, `follow it in the console: ${logLink(environment, build)}`),
      ];
    }
    await context.sleep(interval);
    waited += interval;
    const { builds = [] } = await clients.codebuild.send(new BatchGetBuildsCommand({ ids: [id] }));
    build = builds.find((b) => b.id === id) ?? build;
    context.progress(`smoke: build ${id}: ${build.buildStatus === "IN_PROGRESS" ? (build.currentPhase ?? "QUEUED") : (build.buildStatus ?? "IN_PROGRESS")} (${Math.round(waited / 1000)} s)`);
  }

  const link = logLink(environment, build);
  const variables = await buildVariables(context, build);
  const found = parseSmokeOutput(variables);
  return [buildResult(environment, build, found, link), await egressResult(context, found, link), ratelimitResult(environment, found)];
}

/** The build's exported variables; its log's `DOCTOR_` lines when it exported none. */
async function buildVariables(context: DoctorContext, build: Build): Promise<Record<string, string>> {
  const exported = Object.fromEntries((build.exportedEnvironmentVariables ?? []).map((e) => [e.name ?? "", e.value ?? ""]));
  if (exported[SMOKE_VARIABLES.egressIp]) return exported;
  const group = build.logs?.groupName;
  const stream = build.logs?.streamName;
  if (!group || !stream) return exported;
  try {
    const lines: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 20; page++) {
      const response = await context.clients.logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true, nextToken: token }));
      lines.push(...(response.events ?? []).flatMap((event) => (event.message ?? "").split("\n")));
      if (!response.nextForwardToken || response.nextForwardToken === token) break;
      token = response.nextForwardToken;
    }
    return { ...variablesFromLog(lines), ...Object.fromEntries(Object.entries(exported).filter(([, value]) => value !== "")) };
  } catch {
    // Without logs:GetLogEvents the report says the build reported nothing, and links the log.
    return exported;
  }
}

/** The build itself: succeeded, or where it stopped and why. */
function buildResult(environment: Environment, build: Build, found: SmokeOutput, link: string): CheckResult {
  const pull = describePull(environment, smokePull(environment));
  const seconds = build.startTime && build.endTime ? ` in ${Math.round((build.endTime.getTime() - build.startTime.getTime()) / 1000)} s` : "";
  if (build.buildStatus === "SUCCEEDED") {
    return ok("smoke.build", AREA, `build ${build.id} pulled ${found.pulled ?? SMOKE_IMAGE} ${pull}${seconds}; log: ${link}`);
  }
  const failed = (build.phases ?? []).find((phase) => phase.phaseStatus && !["SUCCEEDED", "IN_PROGRESS"].includes(phase.phaseStatus));
  const reason = (failed?.contexts ?? []).map((c) => c.message).filter(Boolean).join("; ");
  const where = failed ? ` in ${failed.phaseType}${reason ? `: ${reason}` : ""}` : "";
  const fix =
    smokePull(environment).via === "authenticated"
      ? `read the build's log (${link}); a failed login means the stored token is wrong or the placeholder: ${setTokenCommand(environment)}`
      : `read the build's log (${link}): a pull refused with "toomanyrequests" is the limit this strategy should have escaped`;
  return fail("smoke.build", AREA, `build ${build.id} ${build.buildStatus ?? "ended"}${where}${seconds}`, fix);
}

/** The egress IP the build reported, against the Elastic IPs (fixed-ip), else for the record. */
async function egressResult(context: DoctorContext, found: SmokeOutput, link: string): Promise<CheckResult> {
  const { environment } = context;
  const id = "smoke.egress-ip";
  if (!found.egressIp) return fail(id, AREA, "the build reported no egress IP (https://api.ipify.org did not answer)", `read the build's log: ${link}`);
  if (!usesStrategy(environment, "fixed-ip")) return ok(id, AREA, `the build left from ${found.egressIp} (CodeBuild's shared addresses: the fixed-ip strategy is not used)`);
  const expected = await expectedEgressIps(context).catch(() => undefined);
  if (!expected || expected.ips.length === 0) {
    return warn(id, AREA, `the build left from ${found.egressIp}; the Elastic IPs could not be read to compare`, "run the doctor without --smoke: the network checks say why");
  }
  if (expected.ips.includes(found.egressIp)) return ok(id, AREA, `the build left from ${found.egressIp}, one of ${expected.from} (${expected.ips.join(", ")})`);
  return fail(
    id,
    AREA,
    `the build left from ${found.egressIp}, not from ${expected.from} (${expected.ips.join(", ")}): allow-lists and Docker Hub's per-IP quota see another address`,
    "run the doctor without --smoke: the network checks name the route, NAT gateway or Elastic IP that is wrong",
  );
}

/** Docker Hub's ratelimit headers for the egress IP: what an anonymous pull from there has left. */
function ratelimitResult(environment: Environment, found: SmokeOutput): CheckResult {
  const id = "smoke.ratelimit";
  if (!found.limit || !found.remaining) {
    return warn(id, AREA, "Docker Hub sent no ratelimit-limit / ratelimit-remaining headers (no limit applies, or registry-1.docker.io did not answer)");
  }
  const window = found.limit.windowSeconds ?? found.remaining.windowSeconds;
  const per = window ? ` per ${window % 3600 === 0 ? `${window / 3600} h` : `${window} s`}` : "";
  const counted = found.source ?? found.egressIp ?? "the egress IP";
  const message = `Docker Hub ratelimit-remaining ${found.remaining.count} of ratelimit-limit ${found.limit.count}${per}, anonymous, counted for ${counted} (a HEAD: no pull counted)`;
  // Only builds that pull anonymously live on this quota: with a token or the mirror it is for the record.
  const anonymous = smokePull(environment).via === "anonymous";
  if (anonymous && found.remaining.count === 0) {
    return fail(id, AREA, message, "the egress addresses' anonymous quota is spent: pulls fail until the window ends; add the authenticated or mirror strategy");
  }
  if (anonymous && found.remaining.count < found.limit.count / 10) {
    return warn(id, AREA, message, "the egress addresses' anonymous quota is nearly spent: consider the authenticated or mirror strategy");
  }
  return ok(id, AREA, message);
}

/** The build's CloudWatch log (CodeBuild's deep link), else its console page. */
function logLink(environment: Environment, build: Build): string {
  return build.logs?.deepLink ?? consoleLink(environment, build.id ?? "");
}

/** The build's page in the CodeBuild console. */
function consoleLink(environment: Environment, buildId: string): string {
  const host = { aws: `${environment.region}.console.aws.amazon.com`, "aws-cn": "console.amazonaws.cn", "aws-us-gov": "console.amazonaws-us-gov.com" }[partitionOf(environment.region)];
  return `https://${host}/codesuite/codebuild/${environment.accountId}/projects/${environment.build.projectName}/build/${encodeURIComponent(buildId)}/?region=${environment.region}`;
}
