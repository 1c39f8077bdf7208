/**
 * The doctor against environments deployed into the AWS API emulator with
 * the apply harness: prod (fixed-ip + authenticated, with a Git source so
 * moto creates the project) and shared (the mirror's host). Each is deployed
 * first without a token (the placeholder fails, with the command that fixes
 * it), then given one through the stack's own dockerhub_set_token_command,
 * then broken the ways the issue names: a detached Elastic IP, a deleted
 * private route, a pull-through cache rule that does not validate.
 *
 * The emulator serves every call it has. The SDK's client mock
 * (aws-sdk-client-mock, on the one client instance the doctor is given)
 * stands in for these calls only, each because moto 5.2.1 lacks it:
 * - IAM SimulatePrincipalPolicy: moto answers HTTP 500 (not implemented).
 *   The stand-in evaluates the role's policies as the emulator holds them
 *   (read back with GetRolePolicy) with @cloud-copilot/iam-simulate, so a
 *   grant missing from what was applied still fails.
 * - ECR DescribePullThroughCacheRules and ValidatePullThroughCacheRule:
 *   moto has no pull-through cache (HTTP 500; the rules are left out of the
 *   applied copy, see emulator-gaps.ts). The stand-in returns the rules the
 *   synthesized stack defines, and the validation result a scenario needs.
 * - CodeBuild BatchGetBuilds (the sync job's last run): moto answers with ISO
 *   times where CodeBuild's JSON protocol has epoch seconds, which the SDK
 *   cannot read. The stand-in answers for the build ids the emulator lists.
 * - CodeBuild StartBuild and BatchGetBuilds, for --smoke: moto records a
 *   build but runs nothing (it ignores the buildspec override and has no
 *   build output), so the stand-in plays the build's outcome.
 * Every other call, on those clients too, goes to the emulator.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { CloudWatchClient, SetAlarmStateCommand } from "@aws-sdk/client-cloudwatch";
import {
  BatchGetBuildsCommand,
  BatchGetProjectsCommand,
  CodeBuildClient,
  CreateProjectCommand,
  ListBuildsForProjectCommand,
  StartBuildCommand,
  StartBuildCommandInput,
} from "@aws-sdk/client-codebuild";
import { AssociateAddressCommand, CreateRouteCommand, DeleteRouteCommand, DescribeAddressesCommand, DescribeRouteTablesCommand, DisassociateAddressCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  DescribeImagesCommand,
  DescribePullThroughCacheRulesCommand,
  ECRClient,
  PutImageCommand,
  ValidatePullThroughCacheRuleCommand,
  ValidatePullThroughCacheRuleCommandInput,
} from "@aws-sdk/client-ecr";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { CreateRoleCommand, IAMClient, SimulatePrincipalPolicyCommand, SimulatePrincipalPolicyCommandInput } from "@aws-sdk/client-iam";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { mockClient } from "aws-sdk-client-mock";
import { Environment } from "../config";
import { CheckResult, DoctorOptions, DoctorReport, formatReport, runDoctor } from "../doctor";
import { APPLY_TIMEOUT, Deployment, describeWithEmulator, printCoverageAfterAll } from "./support/apply";
import { Emulator, RecordedRequest, startEmulator } from "./support/emulator";
import { emulatorS3, secretValueReads } from "./support/emulator-reads";
import { environmentFrom, PROJECT_ROOT, readShipped, synthStackJson } from "./support/environments";
import { prodWithGitSource } from "./support/emulator-gaps";
import { appliedPolicies, PolicyDocument } from "./support/iam-proof";

const TOKEN = "dckr_pat_DOCTORTOKEN0123456789abcdefgh";

printCoverageAfterAll("doctor");

/** The environment as deployed, its state where the harness keeps it: the doctor reads the outputs from there. */
function deployedAs(environment: Environment, deployment: Deployment): Environment {
  return { ...environment, state: { backend: "local", path: path.join(deployment.workspace.dir, "terraform.tfstate") } };
}

/**
 * IAM, with SimulatePrincipalPolicy answered by the IAM simulator over the
 * role's policies as the emulator holds them. Like AWS's, it answers from the
 * identity-based policies: a resource's own policy (a KMS key policy) is
 * not part of SimulatePrincipalPolicy unless given, so the verdict is the
 * simulator's identity analysis.
 */
function simulatingIam(emulator: Emulator, region: string): IAMClient {
  const iam = new IAMClient(emulator.clientConfig(region));
  mockClient(iam)
    .on(SimulatePrincipalPolicyCommand)
    .callsFake(async (input: SimulatePrincipalPolicyCommandInput) => {
      const principal = input.PolicySourceArn!;
      // NoSuchEntity for a role that does not exist, as SimulatePrincipalPolicy answers.
      const applied = (await appliedPolicies(emulator, principal.slice(principal.lastIndexOf("/") + 1))).map((policy, i) => ({ name: `applied-${i}`, policy }));
      const requested = Object.fromEntries((input.ContextEntries ?? []).map((e) => [e.ContextKeyName!, e.ContextKeyValues!.length === 1 ? e.ContextKeyValues![0] : e.ContextKeyValues!]));
      const { policies, context } = withEncryptionContextDecided(applied, requested);
      const results = [];
      for (const action of input.ActionNames ?? []) {
        for (const resource of input.ResourceArns ?? ["*"]) {
          const response = await runSimulation(
            {
              identityPolicies: policies,
              serviceControlPolicies: [],
              resourceControlPolicies: [],
              request: { action, principal, resource: { accountId: emulator.accountId, resource }, contextVariables: context },
            } as Parameters<typeof runSimulation>[0],
            {},
          );
          if (response.resultType !== "single") throw new Error(`simulation error: ${JSON.stringify(response)}`);
          const decision = response.result.analysis?.identityAnalysis?.result;
          const EvalDecision = decision === "Allowed" ? "allowed" : decision === "ExplicitlyDenied" ? "explicitDeny" : "implicitDeny";
          results.push({ EvalActionName: action, EvalResourceName: resource, EvalDecision });
        }
      }
      return { EvaluationResults: results };
    });
  return iam;
}

/**
 * The local simulator ignores kms:EncryptionContext:<key> in a request (see
 * iam.test.ts), where AWS's evaluates it: the stand-in decides those keys
 * itself (StringEquals, the only operator the stack uses with them) and
 * leaves the rest of each statement to the simulator. A statement whose
 * encryption-context condition the request does not meet does not apply;
 * one it meets loses that condition.
 */
function withEncryptionContextDecided(policies: { name: string; policy: PolicyDocument }[], context: Record<string, string | string[]>) {
  const keys = Object.keys(context).filter((key) => key.startsWith("kms:EncryptionContext:"));
  const decided = policies.map(({ name, policy }) => ({
    name,
    policy: {
      ...policy,
      Statement: policy.Statement.flatMap((statement) => {
        const condition = statement.Condition as Record<string, Record<string, unknown>> | undefined;
        if (!condition) return [statement];
        const kept: Record<string, Record<string, unknown>> = {};
        for (const [operator, entries] of Object.entries(condition)) {
          for (const [key, expected] of Object.entries(entries)) {
            if (!key.startsWith("kms:EncryptionContext:")) {
              kept[operator] = { ...kept[operator], [key]: expected };
              continue;
            }
            if (operator !== "StringEquals") throw new Error(`the stand-in decides StringEquals on ${key} only, not ${operator}`);
            if (!keys.includes(key) || ![expected].flat().includes(context[key])) return [];
          }
        }
        const { Condition: _decided, ...rest } = statement;
        return [Object.keys(kept).length > 0 ? { ...rest, Condition: kept } : rest];
      }),
    },
  }));
  return { policies: decided, context: Object.fromEntries(Object.entries(context).filter(([key]) => !keys.includes(key))) };
}

/** The report's result by id (the test names the one it expects). */
function result(report: DoctorReport, id: string): CheckResult {
  const found = report.results.find((r) => r.id === id);
  if (!found) throw new Error(`no ${id} in:\n${formatReport(report)}`);
  return found;
}

/** Everything but `except` is ok: a scenario breaks one thing, and only that line may say so. */
function expectOnlyFailing(report: DoctorReport, except: readonly string[] = []): void {
  const others = report.results.filter((r) => !except.includes(r.id) && r.status !== "ok");
  expect({ notOk: others, report: formatReport(report) }).toEqual({ notOk: [], report: formatReport(report) });
}

/** Recorded requests that change something: none, unless the smoke build starts one. */
function writes(requests: readonly RecordedRequest[]): RecordedRequest[] {
  return requests.filter((r) => !/^(Describe|Get|List|BatchGet|Simulate|Validate|AssumeRole$)/.test(r.action));
}

/** Runs the stack's dockerhub_set_token_command output with a token on a pipe, as a user would. */
async function storeToken(emulator: Emulator, deployment: Deployment, region: string): Promise<void> {
  const command = (await deployment.output("dockerhub_set_token_command")) as string;
  const stored = spawnSync("bash", ["-c", command], { input: TOKEN, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...emulator.cliEnv(region) }, encoding: "utf8" });
  expect(stored.stderr).toContain("Stored in");
  expect(stored.status).toBe(0);
}

describeWithEmulator("the doctor on prod (fixed-ip + authenticated), deployed into the emulator", () => {
  const region = "us-east-1";
  const environment = environmentFrom(prodWithGitSource(), "prod");
  let emulator: Emulator;
  let deployment: Deployment;
  let ec2: EC2Client;
  let doctor: (options?: DoctorOptions, as?: Environment) => Promise<DoctorReport>;

  beforeAll(async () => {
    emulator = await startEmulator("222222222222");
    deployment = await Deployment.start(emulator, "doctor-prod", region);
    ec2 = new EC2Client(emulator.clientConfig(region));
    doctor = (options = {}, as = environment) =>
      runDoctor(deployedAs(as, deployment), { ...options, aws: emulator.clientConfig(region), clients: { iam: simulatingIam(emulator, region), ...options.clients } });
  }, APPLY_TIMEOUT);
  afterAll(async () => {
    ec2?.destroy();
    await emulator?.stop();
    deployment?.remove();
  });

  test("deployed without a token: the token check fails with the command that stores it; every other check passes", async () => {
    await deployment.deploy(synthStackJson(environment));
    const report = await doctor();
    const token = result(report, "credentials.token");
    expect(token.status).toBe("fail");
    expect(token.message).toMatch(/^SSM parameter \/docker-builds\/prod\/dockerhub\/token holds the placeholder the first deploy stored \(version 1 is labelled placeholder\)/);
    expect(token.fix).toBe('store the token with the stack\'s dockerhub_set_token_command output: eval "$(terraform -chdir=cdktf.out/stacks/prod output -raw dockerhub_set_token_command)"');
    expectOnlyFailing(report, ["credentials.token"]);
  }, APPLY_TIMEOUT);

  test("the token stored with dockerhub_set_token_command: every check passes; the doctor changed nothing and read no secret value", async () => {
    await storeToken(emulator, deployment, region);
    await emulator.record();
    const report = await doctor();
    const requests = await emulator.recorded();
    console.log(`A doctor run against the emulator:\n${formatReport(report)}`);
    expectOnlyFailing(report);
    expect(report.results.map((r) => r.id)).toEqual([
      "access.account",
      "credentials.token",
      "credentials.username",
      "credentials.build-role",
      "network.routes",
      "network.nat-gateways",
      "network.elastic-ips",
      "network.project",
    ]);
    expect(result(report, "credentials.token").message).toMatch(/holds a token \(version 2, written .* after the stack created it; not the placeholder\)/);
    expect(result(report, "credentials.build-role").message).toBe(
      "the build role docker-builds-prod-build may read both parameters and decrypt them through SSM (IAM policy simulator; no value read)",
    );
    const [ip] = (await deployment.output("egress_public_ips")) as string[];
    expect(result(report, "network.elastic-ips").message).toMatch(new RegExp(`^builds leave from ${ip.replace(/\./g, "\\.")} \\(eipalloc-[0-9a-f]+, on nat-[0-9a-f]+\\)`));
    expect(requests.filter((r) => r.action === "GetParameterHistory").length).toBeGreaterThan(0);
    expect(secretValueReads(requests)).toEqual([]);
    expect(requests.filter((r) => r.action === "GetParameterHistory").every((r) => String(r.parameters.WithDecryption) !== "true")).toBe(true);
    expect(writes(requests)).toEqual([]);
  }, APPLY_TIMEOUT);

  test("deploy.assumeRoleArn: the doctor assumes the role first and runs every check as it", async () => {
    const iam = new IAMClient(emulator.clientConfig(region));
    const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::222222222222:root" }, Action: "sts:AssumeRole" }] };
    await iam.send(new CreateRoleCommand({ RoleName: "doctor-deploy", AssumeRolePolicyDocument: JSON.stringify(trust) }));
    iam.destroy();
    const assumeRoleArn = "arn:aws:iam::222222222222:role/doctor-deploy";
    await emulator.record();
    const report = await doctor({}, { ...environment, deploy: { ...environment.deploy, assumeRoleArn } });
    const requests = await emulator.recorded();
    expect(requests.filter((r) => r.action === "AssumeRole").map((r) => r.parameters.RoleArn)).toEqual([assumeRoleArn]);
    expect(report.assumedRoleArn).toBe(assumeRoleArn);
    expect(result(report, "access.account").message).toMatch(/^running as arn:aws:sts::222222222222:assumed-role\/doctor-deploy\/doctor-prod in account 222222222222, assumed from deploy.assumeRoleArn$/);
    expectOnlyFailing(report);
  }, APPLY_TIMEOUT);

  test("--smoke: one build with the doctor's buildspec; its egress IP is the Elastic IP, and the ratelimit headers are reported", async () => {
    const [ip] = (await deployment.output("egress_public_ips")) as string[];
    const { client: codebuild, started } = smokeBuildStandIn(emulator, region, ip);
    const progress: string[] = [];
    const report = await doctor({ smoke: true, clients: { codebuild }, progress: (line) => progress.push(line), sleep: async () => undefined });
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({ projectName: "docker-builds-prod", sourceTypeOverride: "NO_SOURCE", artifactsOverride: { type: "NO_ARTIFACTS" } });
    expect(started[0].buildspecOverride).toContain("docker login --username \"$DOCKERHUB_USERNAME\" --password-stdin");
    expect(progress[0]).toMatch(/^smoke: build docker-builds-prod:smoke-1 started: https:\/\/us-east-1\.console\.aws\.amazon\.com\/codesuite\/codebuild\//);
    expect(progress).toContain("smoke: build docker-builds-prod:smoke-1: PROVISIONING (5 s)");
    expect(result(report, "smoke.egress-ip")).toMatchObject({ status: "ok", message: `the build left from ${ip}, one of the stack's egress_public_ips (${ip})` });
    expect(result(report, "smoke.ratelimit").message).toBe(
      `Docker Hub ratelimit-remaining 97 of ratelimit-limit 100 per 6 h, anonymous, counted for ${ip} (a HEAD: no pull counted)`,
    );
    expect(result(report, "smoke.build").message).toMatch(/^build docker-builds-prod:smoke-1 pulled docker\.io\/library\/hello-world:latest from Docker Hub, logged in as exampleteam in 74 s; log: https:\/\/console\.aws\.amazon\.com\/cloudwatch\//);
    expectOnlyFailing(report);

    // The same build leaving from an address that is not the Elastic IP: the smoke fails, and says which it saw.
    const elsewhere = smokeBuildStandIn(emulator, region, "198.51.100.7");
    const astray = await doctor({ smoke: true, clients: { codebuild: elsewhere.client }, sleep: async () => undefined });
    expect(result(astray, "smoke.egress-ip")).toMatchObject({
      status: "fail",
      message: `the build left from 198.51.100.7, not from the stack's egress_public_ips (${ip}): allow-lists and Docker Hub's per-IP quota see another address`,
    });
    expectOnlyFailing(astray, ["smoke.egress-ip"]);
  }, APPLY_TIMEOUT);

  test("the CLI, in a child process: the outputs read from the S3 backend, --json, and the exit code of the worst result", async () => {
    // prod's own backend (s3://docker-builds-tfstate-222222222222/...), in the emulator, holding the state this deploy recorded.
    const state = readShipped("prod").state as { bucket: string };
    const s3 = emulatorS3(emulator, region);
    await s3.send(new CreateBucketCommand({ Bucket: state.bucket }));
    await s3.send(new PutObjectCommand({ Bucket: state.bucket, Key: "docker-builds/prod/terraform.tfstate", Body: JSON.stringify(deployment.state()) }));
    s3.destroy();
    const cli = spawnSync(process.execPath, ["--import", "tsx", "scripts/doctor.ts", "prod", "--json"], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...emulator.cliEnv(region) },
      encoding: "utf8",
    });
    const report = JSON.parse(cli.stdout) as DoctorReport & { exitCode: number; summary: { worst: string } };
    // No stand-ins in a child process: the emulator's missing SimulatePrincipalPolicy is the one failed line.
    expect(report.results.filter((r) => r.status !== "ok").map((r) => `${r.id}: ${r.message}`)).toEqual([
      expect.stringMatching(/^credentials\.build-role: could not simulate the build role's policies: /),
    ]);
    expect(result(report, "network.elastic-ips").message).toMatch(/^builds leave from .*: the stack's egress_public_ips$/);
    expect(report.exitCode).toBe(2);
    expect(cli.status).toBe(2);

    const text = spawnSync(process.execPath, ["--import", "tsx", "scripts/doctor.ts", "prod"], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...emulator.cliEnv(region) },
      encoding: "utf8",
    });
    console.log(`npm run doctor -- prod, against the emulator (exit ${text.status}):\n${text.stdout}`);
    expect(text.stdout.trim().split("\n").at(-1)).toBe("prod: 7 ok, 0 warn, 1 fail: does NOT escape the limit: see the fixes above");
    expect(text.status).toBe(2);

    const usage = spawnSync(process.execPath, ["--import", "tsx", "scripts/doctor.ts", "nowhere"], { cwd: PROJECT_ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME }, encoding: "utf8" });
    expect(usage.status).toBe(3);
    expect(usage.stderr).toContain('no environment "nowhere"\nusage: npm run doctor -- <environment> [--smoke] [--json]; environments: dev, prod, shared');
  }, APPLY_TIMEOUT);

  test("a private subnet's default route deleted: the route check fails and names the subnet; restored, it passes", async () => {
    const [subnet] = (await deployment.output("private_subnet_ids")) as string[];
    const { RouteTables = [] } = await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "association.subnet-id", Values: [subnet] }] }));
    const table = RouteTables[0];
    const nat = table.Routes!.find((r) => r.DestinationCidrBlock === "0.0.0.0/0")!.NatGatewayId!;
    await ec2.send(new DeleteRouteCommand({ RouteTableId: table.RouteTableId, DestinationCidrBlock: "0.0.0.0/0" }));
    const broken = await doctor();
    expect(result(broken, "network.routes")).toEqual({
      id: "network.routes",
      area: "network",
      status: "fail",
      message: `subnet ${subnet} (${table.RouteTableId}) has no default route (0.0.0.0/0): builds there reach nothing outside the VPC`,
      fix: "deploy the stack again (npx cdktf deploy prod): the plan restores the missing route",
    });
    expectOnlyFailing(broken, ["network.routes"]);

    await ec2.send(new CreateRouteCommand({ RouteTableId: table.RouteTableId, DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: nat }));
    expectOnlyFailing(await doctor());
  }, APPLY_TIMEOUT);

  test("the Elastic IP detached from the NAT gateway: the Elastic IP check fails and names the address; re-attached, it passes", async () => {
    const [ip] = (await deployment.output("egress_public_ips")) as string[];
    const { Addresses = [] } = await ec2.send(new DescribeAddressesCommand({ PublicIps: [ip] }));
    const [address] = Addresses;
    await ec2.send(new DisassociateAddressCommand({ AssociationId: address.AssociationId }));
    const broken = await doctor();
    expect(result(broken, "network.elastic-ips")).toEqual({
      id: "network.elastic-ips",
      area: "network",
      status: "fail",
      message: `Elastic IP ${ip} (${address.AllocationId}) is attached to nothing, not to the stack's NAT gateway: builds do not leave from it`,
      fix: "deploy the stack again (npx cdktf deploy prod): the plan puts the NAT gateway back on the Elastic IP of egress_public_ips (the address others allow-listed)",
    });
    expectOnlyFailing(broken, ["network.elastic-ips"]);

    await ec2.send(new AssociateAddressCommand({ AllocationId: address.AllocationId, NetworkInterfaceId: address.NetworkInterfaceId }));
    expectOnlyFailing(await doctor());
  }, APPLY_TIMEOUT);
});

/**
 * A CodeBuild client whose StartBuild and BatchGetBuilds are the client mock
 * (moto runs no build): the build is queued, provisions, then succeeds having
 * exported what the smoke buildspec exports, from `egressIp`. BatchGetProjects
 * (the network check) still goes to the emulator.
 */
function smokeBuildStandIn(emulator: Emulator, region: string, egressIp: string): { client: CodeBuildClient; started: StartBuildCommandInput[] } {
  const client = new CodeBuildClient(emulator.clientConfig(region));
  const real = new CodeBuildClient(emulator.clientConfig(region));
  const started: StartBuildCommandInput[] = [];
  const id = "docker-builds-prod:smoke-1";
  const startTime = new Date("2026-01-05T10:00:00Z");
  mockClient(client)
    .on(BatchGetProjectsCommand)
    .callsFake((input) => real.send(new BatchGetProjectsCommand(input)))
    .on(StartBuildCommand)
    .callsFake((input: StartBuildCommandInput) => {
      started.push(input);
      return { build: { id, buildStatus: "IN_PROGRESS", currentPhase: "QUEUED", startTime } };
    })
    .on(BatchGetBuildsCommand)
    .resolvesOnce({ builds: [{ id, buildStatus: "IN_PROGRESS", currentPhase: "PROVISIONING", startTime }] })
    .resolves({
      builds: [
        {
          id,
          buildStatus: "SUCCEEDED",
          currentPhase: "COMPLETED",
          buildComplete: true,
          startTime,
          endTime: new Date(startTime.getTime() + 74_000),
          logs: { deepLink: "https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#logEvent:group=/aws/codebuild/docker-builds-prod;stream=smoke-1" },
          exportedEnvironmentVariables: [
            { name: "DOCTOR_EGRESS_IP", value: egressIp },
            { name: "DOCTOR_RATELIMIT_LIMIT", value: "100;w=21600" },
            { name: "DOCTOR_RATELIMIT_REMAINING", value: "97;w=21600" },
            { name: "DOCTOR_RATELIMIT_SOURCE", value: egressIp },
            { name: "DOCTOR_PULLED", value: "docker.io/library/hello-world:latest" },
          ],
        },
      ],
    });
  return { client, started };
}

describeWithEmulator("the doctor on shared (the mirror's host), deployed into the emulator", () => {
  const region = "eu-west-1";
  const environment = environmentFrom(readShipped("shared"), "shared");
  const stack = synthStackJson(environment);
  const syncProject = "docker-builds-shared-mirror-sync";
  let emulator: Emulator;
  let deployment: Deployment;
  let doctor: (scenario?: MirrorScenario) => Promise<DoctorReport>;

  beforeAll(async () => {
    emulator = await startEmulator("333333333333");
    deployment = await Deployment.start(emulator, "doctor-shared", region);
    doctor = (scenario = {}) =>
      runDoctor(deployedAs(environment, deployment), {
        aws: emulator.clientConfig(region),
        clients: {
          iam: simulatingIam(emulator, region),
          ecr: cacheRulesStandIn(emulator, region, stack, scenario.validation ?? (() => ({ isValid: true }))),
          codebuild: syncBuildsStandIn(emulator, region, scenario.lastSync ?? "SUCCEEDED"),
        },
      });
  }, APPLY_TIMEOUT);
  afterAll(async () => {
    await emulator?.stop();
    deployment?.remove();
  });

  test("deployed without a token, before its first sync: the secret's placeholder fails with the command that stores it, and so do the missing images", async () => {
    await deployment.deploy(stack);
    // What the emulator cannot create from the stack: the sync job's project (moto needs a source location for NO_SOURCE).
    const codebuild = new CodeBuildClient(emulator.clientConfig(region));
    await codebuild.send(
      new CreateProjectCommand({
        name: syncProject,
        source: { type: "GITHUB", location: "https://github.com/example/unused.git" },
        artifacts: { type: "NO_ARTIFACTS" },
        environment: { type: "LINUX_CONTAINER", image: "aws/codebuild/standard:7.0", computeType: "BUILD_GENERAL1_SMALL" },
        serviceRole: "arn:aws:iam::333333333333:role/docker-builds-shared-mirror-sync-build",
      }),
    );
    codebuild.destroy();

    const report = await doctor();
    const secret = result(report, "credentials.mirror-secret");
    expect(secret).toMatchObject({ status: "fail", fix: 'store the token with the stack\'s dockerhub_set_token_command output: eval "$(terraform -chdir=cdktf.out/stacks/shared output -raw dockerhub_set_token_command)"' });
    expect(secret.message).toMatch(/^Secrets Manager secret ecr-pullthroughcache\/docker-builds-shared-docker-hub holds the placeholder the first deploy stored \(its current version is staged placeholder\)/);
    expect(result(report, "mirror.sync")).toMatchObject({ status: "warn", message: "the sync job docker-builds-shared-mirror-sync has not run yet (schedule rate(1 day))" });
    expect(result(report, "mirror.images")).toMatchObject({
      status: "fail",
      message: "3 of 3 pinned images are not in the mirror: mirror/library/node:20, mirror/library/python:3.12-slim, mirror/docker/library/alpine:3.20",
    });
    expectOnlyFailing(report, ["credentials.mirror-secret", "mirror.sync", "mirror.images"]);
  }, APPLY_TIMEOUT);

  test("the token stored and a sync run: every check passes; then a rule that does not validate fails with the right message", async () => {
    await storeToken(emulator, deployment, region);
    // What a sync run leaves: a build of the job, and each pinned image by its tag. (The AWS CLI starts it:
    // moto answers with ISO times where CodeBuild's protocol has epoch seconds, which the SDK cannot read.)
    const started = spawnSync("aws", ["codebuild", "start-build", "--project-name", syncProject], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...emulator.cliEnv(region) }, encoding: "utf8" });
    expect(started.status).toBe(0);
    const ecr = new ECRClient(emulator.clientConfig(region));
    for (const [repositoryName, imageTag] of [["mirror/library/node", "20"], ["mirror/library/python", "3.12-slim"], ["mirror/docker/library/alpine", "3.20"]]) {
      const manifest = JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.docker.distribution.manifest.v2+json", config: { digest: repositoryName }, layers: [] });
      await ecr.send(new PutImageCommand({ repositoryName, imageTag, imageManifest: manifest }));
    }
    ecr.destroy();

    await emulator.record();
    const healthy = await doctor();
    const requests = await emulator.recorded();
    console.log(`A doctor run against the emulator:\n${formatReport(healthy)}`);
    expectOnlyFailing(healthy);
    expect(healthy.results.map((r) => r.id)).toEqual([
      "access.account",
      "credentials.mirror-secret",
      "credentials.sync-role",
      "mirror.rule.docker-hub",
      "mirror.rule.ecr-public",
      "mirror.sync",
      "mirror.images",
      "mirror.alarm",
    ]);
    expect(result(healthy, "mirror.sync").message).toMatch(/^the sync job's last run \(docker-builds-shared-mirror-sync:[0-9a-f-]+\) succeeded/);
    expect(secretValueReads(requests)).toEqual([]);
    expect(writes(requests)).toEqual([]);

    const failing = await doctor({
      validation: (prefix) => (prefix === "docker-hub" ? { isValid: false, failure: "Failed to authenticate with upstream registry: 401 Unauthorized" } : { isValid: true }),
    });
    expect(result(failing, "mirror.rule.docker-hub")).toEqual({
      id: "mirror.rule.docker-hub",
      area: "mirror",
      status: "fail",
      message: "pull-through cache rule docker-hub/ → registry-1.docker.io does not validate against its upstream: Failed to authenticate with upstream registry: 401 Unauthorized",
      fix:
        'the secret ecr-pullthroughcache/docker-builds-shared-docker-hub must hold a valid Docker Hub access token: eval "$(terraform -chdir=cdktf.out/stacks/shared output -raw dockerhub_set_token_command)"; then run the doctor again',
    });
    expectOnlyFailing(failing, ["mirror.rule.docker-hub"]);
  }, APPLY_TIMEOUT);

  test("a failed sync run: the last run and the alarm in ALARM both fail, and say where to look", async () => {
    const cloudwatch = new CloudWatchClient(emulator.clientConfig(region));
    await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: `${syncProject}-failed`, StateValue: "ALARM", StateReason: "Threshold Crossed: 1 datapoint [1.0] >= 1.0" }));
    cloudwatch.destroy();
    const report = await doctor({ lastSync: "FAILED" });
    expect(result(report, "mirror.sync")).toMatchObject({ status: "fail", fix: expect.stringMatching(/^read its log \(https:\/\/console\.aws\.amazon\.com\/cloudwatch\/.*\): each image that failed is named there; then start it again: aws codebuild start-build --project-name docker-builds-shared-mirror-sync --region eu-west-1$/) });
    expect(result(report, "mirror.sync").message).toMatch(/^the sync job's last run \(docker-builds-shared-mirror-sync:[0-9a-f-]+, started .*\) FAILED: pinned images may be missing or stale$/);
    expect(result(report, "mirror.alarm")).toMatchObject({ status: "fail" });
    expect(result(report, "mirror.alarm").message).toMatch(/^the alarm docker-builds-shared-mirror-sync-failed is in ALARM since .*: a sync run failed \(Threshold Crossed: 1 datapoint \[1\.0\] >= 1\.0\)$/);
    expectOnlyFailing(report, ["mirror.sync", "mirror.alarm"]);
  }, APPLY_TIMEOUT);
});

/** What a scenario plays where the emulator cannot: the rules' validation, and the last sync run's outcome. */
interface MirrorScenario {
  readonly validation?: (prefix: string) => { isValid: boolean; failure?: string };
  readonly lastSync?: "SUCCEEDED" | "FAILED";
}

/**
 * A CodeBuild client whose BatchGetBuilds is the client mock: moto 5.2.1
 * answers it with ISO times where CodeBuild's JSON protocol has epoch
 * seconds, and the SDK cannot read the answer. The stand-in answers for the
 * ids the emulator lists, with `status`. ListBuildsForProject and
 * BatchGetProjects go to the emulator.
 */
function syncBuildsStandIn(emulator: Emulator, region: string, status: "SUCCEEDED" | "FAILED"): CodeBuildClient {
  const client = new CodeBuildClient(emulator.clientConfig(region));
  const real = new CodeBuildClient(emulator.clientConfig(region));
  const startTime = new Date(Date.now() - 3_600_000);
  mockClient(client)
    .on(ListBuildsForProjectCommand)
    .callsFake((input) => real.send(new ListBuildsForProjectCommand(input)))
    .on(BatchGetProjectsCommand)
    .callsFake((input) => real.send(new BatchGetProjectsCommand(input)))
    .on(BatchGetBuildsCommand)
    .callsFake((input: { ids: string[] }) => ({
      builds: input.ids.map((id) => ({
        id,
        buildStatus: status,
        currentPhase: "COMPLETED",
        startTime,
        endTime: new Date(startTime.getTime() + 240_000),
        logs: { deepLink: `https://console.aws.amazon.com/cloudwatch/home?region=${region}#logEvent:group=/aws/codebuild/${id.split(":")[0]};stream=${id.split(":")[1]}` },
      })),
    }));
  return client;
}

/**
 * An ECR client whose pull-through cache calls are the client mock (moto
 * has none): DescribePullThroughCacheRules answers the rules the synthesized
 * stack defines, ValidatePullThroughCacheRule what `validation` says.
 * DescribeImages (the pinned images) goes to the emulator.
 */
function cacheRulesStandIn(
  emulator: Emulator,
  region: string,
  stack: Record<string, unknown>,
  validation: (prefix: string) => { isValid: boolean; failure?: string },
): ECRClient {
  const client = new ECRClient(emulator.clientConfig(region));
  const real = new ECRClient(emulator.clientConfig(region));
  const defined = Object.values((stack.resource as Record<string, Record<string, { ecr_repository_prefix: string; upstream_registry_url: string }>>).aws_ecr_pull_through_cache_rule);
  mockClient(client)
    .on(DescribeImagesCommand)
    .callsFake((input) => real.send(new DescribeImagesCommand(input)))
    .on(DescribePullThroughCacheRulesCommand)
    .resolves({
      pullThroughCacheRules: defined.map((rule) => ({ ecrRepositoryPrefix: rule.ecr_repository_prefix, upstreamRegistryUrl: rule.upstream_registry_url, registryId: emulator.accountId })),
    })
    .on(ValidatePullThroughCacheRuleCommand)
    .callsFake((input: ValidatePullThroughCacheRuleCommandInput) => ({ ecrRepositoryPrefix: input.ecrRepositoryPrefix, ...validation(input.ecrRepositoryPrefix!) }));
  return client;
}
