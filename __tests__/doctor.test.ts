/**
 * The doctor without the emulator: every AWS call answered by the SDK's
 * client mock (aws-sdk-client-mock, on the client classes), so each verdict,
 * message and fix can be pinned, and so can what the doctor calls (never a
 * secret value; nothing that changes the account, unless --smoke). The smoke
 * build's buildspec is run with bash against stand-in curl, docker and aws.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { BatchGetBuildsCommand, BatchGetProjectsCommand, Build, CodeBuildClient, ListBuildsForProjectCommand, StartBuildCommand, StartBuildCommandInput } from "@aws-sdk/client-codebuild";
import { DescribeAddressesCommand, DescribeNatGatewaysCommand, DescribeRouteTablesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { DescribeImagesCommand, DescribePullThroughCacheRulesCommand, ECRClient, ValidatePullThroughCacheRuleCommand } from "@aws-sdk/client-ecr";
import { IAMClient, SimulatePrincipalPolicyCommand } from "@aws-sdk/client-iam";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DescribeSecretCommand, ListSecretVersionIdsCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DescribeParametersCommand, GetParameterHistoryCommand, SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { AwsStub, mockClient } from "aws-sdk-client-mock";
import { parse } from "yaml";
import { Environment } from "../config";
import { CheckResult, DoctorOptions, DoctorReport, EXIT_CODES, exitCode, formatJson, formatReport, formatResult, runDoctor, summarize } from "../doctor";
import { withoutParameterValues } from "../doctor/aws";
import { parseQuota, parseSmokeOutput, smokeBuildspec, variablesFromLog } from "../doctor/checks/smoke";
import { fromStateText, readStackOutputs } from "../doctor/outputs";
import { environmentFrom, minimalFile } from "./support/environments";

const ACCOUNT = "123456789012";
const REGION = "eu-west-1";
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/3f0c2a1e-5b7d-4c8e-9f60-1a2b3c4d5e6f`;
const IP = "203.0.113.10";
const SUBNETS = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"];
const VPC = "vpc-0123456789abcdef0";
const OUTPUTS = { egress_public_ips: [IP], nat_gateway_ids: ["nat-1"], private_subnet_ids: SUBNETS, vpc_id: VPC };
const DAY = new Date("2026-01-05T10:00:00Z");

/** An environment with every strategy (and the own mirror with a pinned image), as a file would say it. */
function everything(patch: Record<string, unknown> = {}): Environment {
  return environmentFrom(
    minimalFile({
      strategy: ["authenticated", "fixed-ip", "mirror"],
      dockerHub: { username: "exampleteam" },
      mirror: { images: ["library/node:20"] },
      build: { source: { type: "GITHUB", location: "https://github.com/example/app.git" } },
      ...patch,
    }),
    "test",
  );
}

const clients = [STSClient, SSMClient, SecretsManagerClient, IAMClient, EC2Client, ECRClient, CodeBuildClient, CloudWatchClient, CloudWatchLogsClient, S3Client] as const;
// One stub per client class: every instance the doctor creates answers from it.
type AnyStub = AwsStub<any, any, any>;
const mocks = new Map<unknown, AnyStub>(clients.map((client) => [client, mockClient(client as never) as AnyStub]));
const mock = (client: (typeof clients)[number]) => mocks.get(client)!;
afterAll(() => mocks.forEach((stub) => stub.restore()));

/** The commands the doctor sent, by name, with their input: across every client. */
function sent(): { name: string; input: Record<string, unknown> }[] {
  return [...mocks.values()].flatMap((stub) =>
    stub.calls().map((call) => {
      const command = call.args[0] as unknown as { constructor: { name: string }; input: Record<string, unknown> };
      return { name: command.constructor.name.replace(/Command$/, ""), input: command.input };
    }),
  );
}

/** An account where the environment is deployed and healthy: each scenario breaks one thing on top. */
function healthyAccount(): void {
  mocks.forEach((stub) => stub.reset());
  mock(STSClient).on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/dev/someone` });
  mock(SSMClient)
    .on(DescribeParametersCommand)
    .callsFake((input) => ({
      Parameters: [{ Name: input.ParameterFilters[0].Values[0], Type: "SecureString", KeyId: "alias/aws/ssm", Version: 2, LastModifiedDate: DAY }],
    }))
    .on(GetParameterHistoryCommand)
    .callsFake((input) => ({ Parameters: [{ Name: input.Name, Version: 1, Labels: ["placeholder"] }, { Name: input.Name, Version: 2, Labels: [] }] }));
  mock(IAMClient)
    .on(SimulatePrincipalPolicyCommand)
    .callsFake((input) => ({ EvaluationResults: input.ActionNames.map((action: string) => ({ EvalActionName: action, EvalResourceName: input.ResourceArns[0], EvalDecision: "allowed" })) }));
  mock(SecretsManagerClient)
    .on(DescribeSecretCommand)
    .resolves({ ARN: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:ecr-pullthroughcache/docker-builds-test-docker-hub-AbCdEf`, Name: "ecr-pullthroughcache/docker-builds-test-docker-hub" })
    .on(ListSecretVersionIdsCommand)
    .resolves({ Versions: [{ VersionId: "v1", VersionStages: ["AWSPREVIOUS", "placeholder"] }, { VersionId: "v2", VersionStages: ["AWSCURRENT"], CreatedDate: DAY }] });
  mock(ECRClient)
    .on(DescribePullThroughCacheRulesCommand)
    .resolves({
      pullThroughCacheRules: [
        { ecrRepositoryPrefix: "docker-hub", upstreamRegistryUrl: "registry-1.docker.io" },
        { ecrRepositoryPrefix: "ecr-public", upstreamRegistryUrl: "public.ecr.aws" },
      ],
    })
    .on(ValidatePullThroughCacheRuleCommand)
    .resolves({ isValid: true })
    .on(DescribeImagesCommand)
    .resolves({ imageDetails: [{ imageTags: ["20"], imagePushedAt: DAY }] });
  mock(CodeBuildClient)
    .on(BatchGetProjectsCommand)
    .resolves({ projects: [{ name: "docker-builds-test", vpcConfig: { vpcId: VPC, subnets: [...SUBNETS].reverse() } }] })
    .on(ListBuildsForProjectCommand)
    .resolves({ ids: ["docker-builds-test-mirror-sync:2", "docker-builds-test-mirror-sync:1"] })
    .on(BatchGetBuildsCommand)
    .resolves({
      builds: [
        { id: "docker-builds-test-mirror-sync:1", buildStatus: "FAILED", startTime: new Date("2026-01-04T03:00:00Z") },
        { id: "docker-builds-test-mirror-sync:2", buildStatus: "SUCCEEDED", startTime: new Date("2026-01-05T03:00:00Z"), endTime: new Date("2026-01-05T03:04:00Z") },
      ],
    });
  mock(CloudWatchClient).on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: "docker-builds-test-mirror-sync-failed", StateValue: "OK", StateUpdatedTimestamp: DAY }] });
  mock(EC2Client)
    .on(DescribeRouteTablesCommand)
    .callsFake((input) => ({ RouteTables: [{ RouteTableId: `rtb-${input.Filters[0].Values[0]}`, Routes: [{ DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: "nat-1", State: "active" }] }] }))
    .on(DescribeNatGatewaysCommand)
    .resolves({ NatGateways: [{ NatGatewayId: "nat-1", State: "available", NatGatewayAddresses: [{ AllocationId: "eipalloc-1", PublicIp: IP, NetworkInterfaceId: "eni-nat" }] }] })
    .on(DescribeAddressesCommand)
    .resolves({ Addresses: [{ PublicIp: IP, AllocationId: "eipalloc-1", AssociationId: "eipassoc-1", NetworkInterfaceId: "eni-nat" }] });
}

const run = (environment: Environment = everything(), options: DoctorOptions = {}): Promise<DoctorReport> =>
  runDoctor(environment, { aws: { endpoint: "http://127.0.0.1:9", credentials: { accessKeyId: "test", secretAccessKey: "test" } }, outputs: OUTPUTS, sleep: async () => undefined, ...options });

function result(report: DoctorReport, id: string): CheckResult {
  const found = report.results.find((r) => r.id === id);
  if (!found) throw new Error(`no ${id} in:\n${formatReport(report)}`);
  return found;
}

const notOk = (report: DoctorReport) => report.results.filter((r) => r.status !== "ok").map((r) => r.id);

beforeEach(healthyAccount);

describe("a healthy environment with every strategy", () => {
  test("every check passes, one line each, in area order", async () => {
    const report = await run();
    expect(notOk(report)).toEqual([]);
    expect(report.results.map((r) => r.id)).toEqual([
      "access.account",
      "credentials.token",
      "credentials.username",
      "credentials.build-role",
      "credentials.mirror-secret",
      "credentials.sync-role",
      "mirror.rule.docker-hub",
      "mirror.rule.ecr-public",
      "mirror.sync",
      "mirror.images",
      "mirror.alarm",
      "network.routes",
      "network.nat-gateways",
      "network.elastic-ips",
      "network.project",
    ]);
    expect(result(report, "mirror.sync").message).toBe("the sync job's last run (docker-builds-test-mirror-sync:2) succeeded 2026-01-05 03:04 UTC");
    expect(exitCode(report.results)).toBe(0);
  });

  test("reads no secret value: no GetParameter(s), no decryption, no GetSecretValue, no KMS; and changes nothing", async () => {
    await run();
    const calls = sent();
    expect(calls.map((c) => c.name).filter((name) => /^(GetParameters?|GetParametersByPath|GetSecretValue|BatchGetSecretValue|Decrypt)$/.test(name))).toEqual([]);
    expect(calls.filter((c) => c.input.WithDecryption === true)).toEqual([]);
    expect(calls.filter((c) => c.name === "GetParameterHistory").map((c) => c.input.WithDecryption)).toEqual([false]);
    expect(calls.map((c) => c.name).filter((name) => !/^(Describe|Get|List|BatchGet|Simulate|Validate)/.test(name))).toEqual([]);
  });

  test("--smoke adds exactly one call that changes something: StartBuild", async () => {
    mock(CodeBuildClient)
      .on(StartBuildCommand)
      .resolves({ build: { id: "docker-builds-test:1", buildStatus: "IN_PROGRESS" } })
      .on(BatchGetBuildsCommand, { ids: ["docker-builds-test:1"] })
      .resolves({ builds: [succeeded({ DOCTOR_EGRESS_IP: IP, DOCTOR_RATELIMIT_LIMIT: "100;w=21600", DOCTOR_RATELIMIT_REMAINING: "100;w=21600" })] });
    const report = await run(everything(), { smoke: true });
    expect(notOk(report)).toEqual([]);
    expect(sent().map((c) => c.name).filter((name) => !/^(Describe|Get|List|BatchGet|Simulate|Validate)/.test(name))).toEqual(["StartBuild"]);
  });
});

describe("credentials", () => {
  test("the SSM token still the placeholder: fails, with the command that stores it", async () => {
    mock(SSMClient)
      .on(GetParameterHistoryCommand)
      .resolves({ Parameters: [{ Name: "/docker-builds/test/dockerhub/token", Version: 1, Labels: ["placeholder"] }] })
      .on(DescribeParametersCommand)
      .callsFake((input) => ({ Parameters: [{ Name: input.ParameterFilters[0].Values[0], Type: "SecureString", KeyId: "alias/aws/ssm", Version: 1 }] }));
    const report = await run();
    expect(result(report, "credentials.token")).toEqual({
      id: "credentials.token",
      area: "credentials",
      status: "fail",
      message: "SSM parameter /docker-builds/test/dockerhub/token holds the placeholder the first deploy stored (version 1 is labelled placeholder): every build stops at the Docker Hub login",
      fix: 'store the token with the stack\'s dockerhub_set_token_command output: eval "$(terraform -chdir=cdktf.out/stacks/test output -raw dockerhub_set_token_command)"',
    });
    expect(notOk(report)).toEqual(["credentials.token"]);
    expect(exitCode(report.results)).toBe(EXIT_CODES.fail);
  });

  test("a token given to the first deploy (version 1, no label) passes; a rotated one says it was written after", async () => {
    mock(SSMClient)
      .on(GetParameterHistoryCommand)
      .resolves({ Parameters: [{ Version: 1, Labels: [] }] })
      .on(DescribeParametersCommand)
      .callsFake((input) => ({ Parameters: [{ Name: input.ParameterFilters[0].Values[0], Type: "SecureString", KeyId: "alias/aws/ssm", Version: 1, LastModifiedDate: DAY }] }));
    expect(result(await run(), "credentials.token").message).toBe(
      "SSM parameter /docker-builds/test/dockerhub/token holds a token (version 1, written 2026-01-05 10:00 UTC, stored with the first deploy; not the placeholder)",
    );
    healthyAccount();
    expect(result(await run(), "credentials.token").message).toBe(
      "SSM parameter /docker-builds/test/dockerhub/token holds a token (version 2, written 2026-01-05 10:00 UTC, after the stack created it; not the placeholder)",
    );
  });

  test("the history is read page by page until the current version", async () => {
    mock(SSMClient)
      .on(GetParameterHistoryCommand)
      .resolvesOnce({ Parameters: [{ Version: 1, Labels: [] }], NextToken: "page-2" })
      .resolves({ Parameters: [{ Version: 2, Labels: ["placeholder"] }] });
    expect(result(await run(), "credentials.token").status).toBe("fail");
    expect(sent().filter((c) => c.name === "GetParameterHistory" && c.input.Name === "/docker-builds/test/dockerhub/token").map((c) => c.input.NextToken)).toEqual([undefined, "page-2"]);
  });

  test("the token missing, or under another key than the config's: fails, saying what to run", async () => {
    mock(SSMClient).on(DescribeParametersCommand).resolves({ Parameters: [] });
    expect(result(await run(), "credentials.token")).toMatchObject({
      status: "fail",
      message: "SSM parameter /docker-builds/test/dockerhub/token does not exist",
      fix: "deploy the stack again (npx cdktf deploy test): its first deploy creates it (give the token as TF_VAR_dockerhub_token)",
    });
    healthyAccount();
    const withKey = everything({ dockerHub: { username: "exampleteam", kmsKeyArn: KEY } });
    expect(result(await run(withKey), "credentials.token")).toMatchObject({
      status: "fail",
      message: `SSM parameter /docker-builds/test/dockerhub/token is encrypted with alias/aws/ssm, not ${KEY} as the config says: builds could not decrypt it`,
    });
    // DescribeParameters may name the configured key by its id.
    mock(SSMClient)
      .on(DescribeParametersCommand)
      .callsFake((input) => ({ Parameters: [{ Name: input.ParameterFilters[0].Values[0], Type: "SecureString", KeyId: "3f0c2a1e-5b7d-4c8e-9f60-1a2b3c4d5e6f", Version: 2 }] }));
    expect(result(await run(withKey), "credentials.token").status).toBe("ok");
  });

  test("no dockerHub.username in the file: the username check fails, naming the file", async () => {
    const report = await run(everything({ dockerHub: {} }));
    expect(result(report, "credentials.username")).toMatchObject({
      status: "fail",
      message: "dockerHub.username is not set in environments/test.json: SSM parameter /docker-builds/test/dockerhub/username holds UNSET and every build stops at the Docker Hub login",
      fix: "set dockerHub.username in environments/test.json, then deploy the stack again (npx cdktf deploy test)",
    });
  });

  test("the build role may not read: the simulator's verdict, with a customer key's decrypt in its context", async () => {
    mock(IAMClient)
      .on(SimulatePrincipalPolicyCommand)
      .callsFake((input) => ({
        EvaluationResults: [{ EvalActionName: input.ActionNames[0], EvalDecision: input.ActionNames[0] === "kms:Decrypt" ? "implicitDeny" : "allowed" }],
      }));
    const report = await run(everything({ dockerHub: { username: "exampleteam", kmsKeyArn: KEY } }), {});
    const token = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/docker-builds/test/dockerhub/token`;
    const decrypt = sent().find((c) => c.name === "SimulatePrincipalPolicy" && (c.input.ActionNames as string[])[0] === "kms:Decrypt")!;
    expect(decrypt.input).toEqual({
      PolicySourceArn: `arn:aws:iam::${ACCOUNT}:role/docker-builds-test-build`,
      ActionNames: ["kms:Decrypt"],
      ResourceArns: [KEY],
      ContextEntries: [
        { ContextKeyName: "kms:ViaService", ContextKeyValues: [`ssm.${REGION}.amazonaws.com`], ContextKeyType: "string" },
        { ContextKeyName: "kms:EncryptionContext:PARAMETER_ARN", ContextKeyValues: [token], ContextKeyType: "string" },
      ],
    });
    expect(result(report, "credentials.build-role")).toMatchObject({
      status: "fail",
      message: expect.stringMatching(/^the build role docker-builds-test-build may not read the credentials: kms:Decrypt on arn:aws:kms:.*: implicitDeny; kms:Decrypt on .*: implicitDeny \(IAM policy simulator\)$/),
    });
  });

  test("the build role missing: says so", async () => {
    mock(IAMClient).on(SimulatePrincipalPolicyCommand).rejects(Object.assign(new Error("role not found"), { name: "NoSuchEntityException" }));
    expect(result(await run(), "credentials.build-role")).toMatchObject({ status: "fail", message: "the build role docker-builds-test-build does not exist" });
  });

  test("the mirror's secret: its current version staged placeholder fails; no value fails; missing fails", async () => {
    mock(SecretsManagerClient).on(ListSecretVersionIdsCommand).resolves({ Versions: [{ VersionId: "v1", VersionStages: ["AWSCURRENT", "placeholder"] }] });
    expect(result(await run(), "credentials.mirror-secret")).toMatchObject({
      status: "fail",
      message:
        "Secrets Manager secret ecr-pullthroughcache/docker-builds-test-docker-hub holds the placeholder the first deploy stored (its current version is staged placeholder): the pull-through cache and the sync job cannot log in to Docker Hub",
    });
    mock(SecretsManagerClient).on(ListSecretVersionIdsCommand).resolves({ Versions: [] });
    expect(result(await run(), "credentials.mirror-secret").message).toMatch(/has no value/);
    mock(SecretsManagerClient).on(DescribeSecretCommand).rejects(Object.assign(new Error("not found"), { name: "ResourceNotFoundException" }));
    expect(result(await run(), "credentials.mirror-secret")).toMatchObject({ status: "fail", message: "Secrets Manager secret ecr-pullthroughcache/docker-builds-test-docker-hub does not exist" });
  });

  test("access denied on a read: that line fails and says the doctor's credentials need the permission; the rest still runs", async () => {
    mock(SSMClient).on(DescribeParametersCommand).rejects(Object.assign(new Error("User is not authorized to perform: ssm:DescribeParameters"), { name: "AccessDeniedException" }));
    const report = await run();
    expect(result(report, "credentials.token")).toMatchObject({
      status: "fail",
      message: "could not read SSM parameter /docker-builds/test/dockerhub/token: AccessDeniedException: User is not authorized to perform: ssm:DescribeParameters",
      fix: "run the doctor with credentials that may read the environment (the CI plan role, or a ReadOnlyAccess role)",
    });
    expect(notOk(report)).toEqual(["credentials.token", "credentials.username"]);
  });
});

describe("the SSM client the doctor builds drops parameter values", () => {
  test("GetParameterHistory's values (ciphertext, or the emulator's plaintext) never reach a check", async () => {
    const body = JSON.stringify({ Parameters: [{ Name: "/p/token", Version: 1, Labels: ["placeholder"], Value: "kms:alias/aws/ssm:SECRET" }] });
    const ssm = new SSMClient({
      region: REGION,
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
      requestHandler: { handle: async () => ({ response: { statusCode: 200, headers: { "content-type": "application/x-amz-json-1.1" }, body: Readable.from([Buffer.from(body)]) } }) } as never,
    });
    mock(SSMClient).restore();
    try {
      const output = await withoutParameterValues(ssm).send(new GetParameterHistoryCommand({ Name: "/p/token" }));
      expect(output.Parameters).toEqual([{ Name: "/p/token", Version: 1, Labels: ["placeholder"] }]);
    } finally {
      mocks.set(SSMClient, mockClient(SSMClient) as AnyStub);
    }
  });
});

describe("mirror", () => {
  test("a rule that does not validate fails with ECR's reason and what to do; a missing rule fails", async () => {
    mock(ECRClient)
      .on(ValidatePullThroughCacheRuleCommand, { ecrRepositoryPrefix: "docker-hub" })
      .resolves({ isValid: false, failure: "Invalid credentials" });
    const report = await run();
    expect(result(report, "mirror.rule.docker-hub")).toEqual({
      id: "mirror.rule.docker-hub",
      area: "mirror",
      status: "fail",
      message: "pull-through cache rule docker-hub/ → registry-1.docker.io does not validate against its upstream: Invalid credentials",
      fix: 'the secret ecr-pullthroughcache/docker-builds-test-docker-hub must hold a valid Docker Hub access token: eval "$(terraform -chdir=cdktf.out/stacks/test output -raw dockerhub_set_token_command)"; then run the doctor again',
    });
    expect(result(report, "mirror.rule.ecr-public").status).toBe("ok");
    mock(ECRClient).on(DescribePullThroughCacheRulesCommand).resolves({ pullThroughCacheRules: [{ ecrRepositoryPrefix: "docker-hub", upstreamRegistryUrl: "registry-1.docker.io" }] });
    expect(result(await run(), "mirror.rule.ecr-public")).toMatchObject({ status: "fail", message: "no pull-through cache rule for ecr-public/: builds pulling through ecr-public/ fail" });
  });

  test("a pinned image missing from the mirror fails; a sync that never ran warns; the alarm in ALARM fails", async () => {
    mock(ECRClient).on(DescribeImagesCommand).rejects(Object.assign(new Error("no image"), { name: "ImageNotFoundException" }));
    mock(CodeBuildClient).on(ListBuildsForProjectCommand).resolves({ ids: [] });
    mock(CloudWatchClient).on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: "docker-builds-test-mirror-sync-failed", StateValue: "ALARM", StateReason: "Threshold Crossed" }] });
    const report = await run();
    expect(result(report, "mirror.images")).toMatchObject({ status: "fail", message: "1 of 1 pinned images are not in the mirror: mirror/library/node:20" });
    expect(result(report, "mirror.sync")).toMatchObject({
      status: "warn",
      fix: `start it now: aws codebuild start-build --project-name docker-builds-test-mirror-sync --region ${REGION}`,
    });
    expect(result(report, "mirror.alarm")).toMatchObject({ status: "fail", message: "the alarm docker-builds-test-mirror-sync-failed is in ALARM: a sync run failed (Threshold Crossed)" });
    expect(exitCode(report.results)).toBe(2);
  });

  test("a shared mirror: one line naming the account that hosts it", async () => {
    const environment = environmentFrom(minimalFile({ strategy: "mirror", mirror: { registry: "shared", accountId: "333333333333" } }), "test");
    const report = await run(environment);
    expect(report.results.map((r) => `${r.status} ${r.id}: ${r.message}`)).toEqual([
      `ok access.account: running as arn:aws:sts::${ACCOUNT}:assumed-role/dev/someone in account ${ACCOUNT}`,
      "ok mirror.location: builds pull through account 333333333333's mirror (eu-west-1): run the doctor for the environment that hosts it to check its rules, sync and alarm",
    ]);
  });
});

describe("network", () => {
  const fixedIp = () => environmentFrom(minimalFile({ strategy: "fixed-ip", build: { source: { type: "GITHUB", location: "https://github.com/example/app.git" } } }), "test");

  test("the NAT gateway leaving from another allocation than the output's: fails, naming both addresses", async () => {
    mock(EC2Client)
      .on(DescribeNatGatewaysCommand)
      .resolves({ NatGateways: [{ NatGatewayId: "nat-1", State: "available", NatGatewayAddresses: [{ AllocationId: "eipalloc-9", PublicIp: "198.51.100.9", NetworkInterfaceId: "eni-nat" }] }] })
      .on(DescribeAddressesCommand)
      .resolves({
        Addresses: [
          { PublicIp: IP, AllocationId: "eipalloc-1" },
          { PublicIp: "198.51.100.9", AllocationId: "eipalloc-9", AssociationId: "eipassoc-9", NetworkInterfaceId: "eni-nat" },
        ],
      });
    const report = await run(fixedIp());
    expect(result(report, "network.elastic-ips")).toMatchObject({
      status: "fail",
      message:
        `Elastic IP ${IP} (eipalloc-1) is attached to nothing, not to the stack's NAT gateway: builds do not leave from it; ` +
        `NAT gateway nat-1 leaves from 198.51.100.9 (eipalloc-9), which is not in the stack's egress_public_ips (${IP})`,
    });
    expect(notOk(report)).toEqual(["network.elastic-ips"]);
  });

  test("a released Elastic IP, a failed NAT gateway, a blackhole route, a project outside the VPC: each fails", async () => {
    mock(EC2Client)
      .on(DescribeAddressesCommand)
      .resolves({ Addresses: [] })
      .on(DescribeNatGatewaysCommand)
      .resolves({ NatGateways: [{ NatGatewayId: "nat-1", State: "failed", FailureMessage: "Elastic IP is already associated" }] })
      .on(DescribeRouteTablesCommand)
      .resolves({ RouteTables: [{ RouteTableId: "rtb-1", Routes: [{ DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: "nat-0", State: "blackhole" }] }] });
    mock(CodeBuildClient).on(BatchGetProjectsCommand).resolves({ projects: [{ name: "docker-builds-test" }] });
    const report = await run(fixedIp());
    expect(Object.fromEntries(report.results.filter((r) => r.status !== "ok").map((r) => [r.id, r.message]))).toEqual({
      "network.routes": `subnet ${SUBNETS[0]} (rtb-1) routes 0.0.0.0/0 to nat-0 that no longer exists (blackhole); subnet ${SUBNETS[1]} (rtb-1) routes 0.0.0.0/0 to nat-0 that no longer exists (blackhole)`,
      "network.nat-gateways": "NAT gateway nat-1 is failed (Elastic IP is already associated)",
      "network.elastic-ips": `${IP} is no longer an Elastic IP of account ${ACCOUNT} (released?)`,
      "network.project": "the CodeBuild project docker-builds-test is not attached to a VPC: its builds leave from CodeBuild's shared addresses",
    });
  });

  test("without the stack's outputs: the project's subnets are checked, and the addresses named for comparison (a warning)", async () => {
    const report = await run(fixedIp(), { outputs: undefined });
    expect(result(report, "network.elastic-ips")).toMatchObject({ status: "warn" });
    expect(result(report, "network.elastic-ips").message).toMatch(/^builds leave from 203\.0\.113\.10 \(the project's VPC configuration \(no state at .*terraform\.test\.tfstate/);
    expect(result(report, "network.routes").status).toBe("ok");
    expect(exitCode(report.results)).toBe(EXIT_CODES.warn);
  });

  test("an existing VPC: the NAT gateways the subnets route to are the egress, named in a warning to allow-list", async () => {
    const environment = environmentFrom(
      minimalFile({ strategy: "fixed-ip", network: { vpc: "existing", vpcId: VPC, privateSubnetIds: SUBNETS }, build: { source: { type: "GITHUB", location: "https://github.com/example/app.git" } } }),
      "test",
    );
    const report = await run(environment, { outputs: {} });
    expect(result(report, "network.elastic-ips")).toMatchObject({ status: "warn", message: `builds leave from ${IP} (your NAT gateways: allow-list these)` });
    expect(notOk(report)).toEqual(["network.elastic-ips"]);
  });
});

describe("access", () => {
  test("credentials for another account: one failed line, and nothing else is called", async () => {
    mock(STSClient).on(GetCallerIdentityCommand).resolves({ Account: "999999999999", Arn: "arn:aws:iam::999999999999:user/me" });
    const report = await run();
    expect(report.results).toEqual([
      {
        id: "access.account",
        area: "access",
        status: "fail",
        message: `these credentials are for account 999999999999 (arn:aws:iam::999999999999:user/me), not ${ACCOUNT} where test is`,
        fix: "use test's credentials (AWS_PROFILE, aws sso login, the CI role), or set deploy.assumeRoleArn to a role there",
      },
    ]);
    expect(sent().map((c) => c.name)).toEqual(["GetCallerIdentity"]);
  });

  test("deploy.assumeRoleArn: assumed first; every client then acts with the role's credentials", async () => {
    const role = `arn:aws:iam::${ACCOUNT}:role/deployer`;
    mock(STSClient)
      .on(AssumeRoleCommand)
      .resolves({ Credentials: { AccessKeyId: "ASIAROLE", SecretAccessKey: "role-secret", SessionToken: "role-session", Expiration: new Date(Date.now() + 3_600_000) } });
    const keys: string[] = [];
    mock(SSMClient)
      .on(DescribeParametersCommand)
      .callsFake(async (input, getClient) => {
        keys.push((await getClient().config.credentials()).accessKeyId);
        return { Parameters: [{ Name: input.ParameterFilters[0].Values[0], Type: "SecureString", KeyId: "alias/aws/ssm", Version: 2 }] };
      });
    const report = await run(everything({ deploy: { assumeRoleArn: role } }));
    expect(sent().filter((c) => c.name === "AssumeRole").map((c) => c.input)).toEqual([{ RoleArn: role, RoleSessionName: "doctor-test", DurationSeconds: 3600 }]);
    expect(keys).toEqual(["ASIAROLE", "ASIAROLE"]);
    expect(report.assumedRoleArn).toBe(role);
    expect(result(report, "access.account").message).toMatch(/, assumed from deploy\.assumeRoleArn$/);
  });

  test("a role that cannot be assumed: one failed line that says so", async () => {
    mock(STSClient).on(AssumeRoleCommand).rejects(Object.assign(new Error("not authorized to perform: sts:AssumeRole"), { name: "AccessDenied" }));
    const report = await run(everything({ deploy: { assumeRoleArn: `arn:aws:iam::${ACCOUNT}:role/deployer` } }));
    expect(report.results).toEqual([
      {
        id: "access.assume-role",
        area: "access",
        status: "fail",
        message: `could not assume deploy.assumeRoleArn arn:aws:iam::${ACCOUNT}:role/deployer: AccessDenied: not authorized to perform: sts:AssumeRole`,
        fix: "use credentials the role's trust policy allows to assume it",
      },
    ]);
  });
});

describe("the stack's outputs", () => {
  test("from a local state file, an S3 state object (in the state's region), or not at all (HCP Terraform)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "doctor-state-"));
    const state = JSON.stringify({ version: 4, outputs: { egress_public_ips: { value: [IP], type: ["tuple", ["string"]] } }, resources: [] });
    try {
      fs.writeFileSync(path.join(dir, "terraform.tfstate"), state);
      const local = environmentFrom(minimalFile({ state: { backend: "local", path: path.join(dir, "terraform.tfstate") } }), "test");
      expect(await readStackOutputs(local, { stateS3: async () => new S3Client({}) })).toEqual({ outputs: { egress_public_ips: [IP] }, where: path.join(dir, "terraform.tfstate") });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    mock(S3Client).on(GetObjectCommand).resolves({ Body: { transformToString: async () => state } as never });
    const regions: string[] = [];
    const s3 = environmentFrom(minimalFile({ state: { backend: "s3", bucket: "tfstate-bucket" } }), "test");
    const read = await readStackOutputs(s3, {
      stateS3: async (region) => {
        regions.push(region);
        return new S3Client({ region, credentials: { accessKeyId: "a", secretAccessKey: "b" } });
      },
    });
    expect(read).toEqual({ outputs: { egress_public_ips: [IP] }, where: "s3://tfstate-bucket/docker-builds/test/terraform.tfstate" });
    expect(regions).toEqual([REGION]);
    expect(sent().find((c) => c.name === "GetObject")?.input).toEqual({ Bucket: "tfstate-bucket", Key: "docker-builds/test/terraform.tfstate" });
    const cloud = environmentFrom(minimalFile({ state: { backend: "cloud", organization: "example" } }), "test");
    expect(await readStackOutputs(cloud, { stateS3: async () => new S3Client({}) })).toMatchObject({ problem: "the state is in HCP Terraform, which the doctor does not read" });
    expect(fromStateText("{", "x")).toEqual({ where: "x", problem: "the state at x is not JSON" });
  });
});

/** A finished smoke build that exported `variables`. */
function succeeded(variables: Record<string, string>, id = "docker-builds-test:1"): Build {
  return {
    id,
    buildStatus: "SUCCEEDED",
    currentPhase: "COMPLETED",
    startTime: DAY,
    endTime: new Date(DAY.getTime() + 61_000),
    logs: { deepLink: "https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logEvent:group=/aws/codebuild/docker-builds-test;stream=1", groupName: "/aws/codebuild/docker-builds-test", streamName: "1" },
    exportedEnvironmentVariables: Object.entries(variables).map(([name, value]) => ({ name, value })),
  };
}

describe("--smoke", () => {
  const commandsOf = (buildspec: string, phase = "build") => (parse(buildspec) as { phases: Record<string, { commands: string[] }> }).phases[phase].commands;

  test("the buildspec pulls the way the strategy does: through the mirror, logged in, or anonymously", () => {
    const mirror = commandsOf(smokeBuildspec(everything())).join("\n");
    expect(mirror).toContain(`aws ecr get-login-password --region ${REGION} | docker login --username AWS --password-stdin "$MIRROR_REGISTRY"`);
    expect(mirror).toContain('DOCTOR_PULLED="$REGISTRY_MIRROR/library/hello-world:latest"');
    expect(mirror).not.toContain("DOCKERHUB_TOKEN");

    const authenticated = commandsOf(smokeBuildspec(everything({ strategy: ["authenticated", "fixed-ip"] }))).join("\n");
    expect(authenticated).toContain('printf \'%s\' "$DOCKERHUB_TOKEN" | docker login --username "$DOCKERHUB_USERNAME" --password-stdin');
    expect(authenticated).toContain("DOCTOR_PULLED=docker.io/library/hello-world:latest");
    expect(authenticated).not.toContain("MIRROR_REGISTRY\" ");

    const anonymous = commandsOf(smokeBuildspec(everything({ strategy: "fixed-ip" }))).join("\n");
    expect(anonymous).not.toContain("docker login");
    expect(anonymous).toContain('docker pull "$DOCTOR_PULLED"');

    const shared = environmentFrom(minimalFile({ strategy: "mirror", mirror: { registry: "shared", accountId: "333333333333", region: "us-east-1" } }), "test");
    expect(commandsOf(smokeBuildspec(shared)).join("\n")).toContain("aws ecr get-login-password --region us-east-1 |");

    for (const spec of [smokeBuildspec(everything()), smokeBuildspec(everything({ strategy: "fixed-ip" }))]) {
      const parsed = parse(spec) as { version: number; env: Record<string, unknown>; phases: Record<string, { commands: string[] }> };
      expect(parsed.version).toBe(0.2);
      expect(parsed.env).toEqual({
        shell: "bash",
        "exported-variables": ["DOCTOR_EGRESS_IP", "DOCTOR_RATELIMIT_LIMIT", "DOCTOR_RATELIMIT_REMAINING", "DOCTOR_RATELIMIT_SOURCE", "DOCTOR_PULLED"],
      });
      const build = parsed.phases.build.commands.join("\n");
      expect(build).toContain("https://api.ipify.org");
      expect(build).toContain("https://auth.docker.io/token?service=registry.docker.io&scope=repository:ratelimitpreview/test:pull");
      expect(build).toContain("--head --config - https://registry-1.docker.io/v2/ratelimitpreview/test/manifests/latest");
      expect(parsed.phases.post_build.commands[0]).toBe("docker logout >/dev/null 2>&1 || true");
    }
  });

  /** Runs the build phase's commands as CodeBuild does (one shell; the phase stops at the first failing command) with stand-in curl, docker and aws. */
  function runBuildPhase(buildspec: string, env: Record<string, string>): { status: number; stdout: string; stderr: string; calls: string } {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "doctor-smoke-"));
    const log = path.join(bin, "calls.log");
    const stub = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\necho "${name} $*" >> ${log}\n${body}\n`, { mode: 0o755 });
    stub(
      "curl",
      [
        'config=""; if [[ " $* " == *" --config - "* ]]; then config=$(cat); fi',
        'case "$*" in',
        `  *api.ipify.org*) printf '${IP}' ;;`,
        `  *auth.docker.io*) printf '{"token":"anonymous-token","expires_in":300}' ;;`,
        '  *--head*) [[ "$config" == *"Bearer anonymous-token"* ]] || exit 22',
        `    printf 'HTTP/1.1 200 OK\\r\\nRateLimit-Limit: 100;w=21600\\r\\nratelimit-remaining: 42;w=21600\\r\\ndocker-ratelimit-source: ${IP}\\r\\n\\r\\n' ;;`,
        "esac",
      ].join("\n"),
    );
    stub("docker", 'if [ "$1" = login ]; then cat >/dev/null; fi');
    stub("aws", "printf 'ecr-password'");
    const script = commandsOf(buildspec).map((command) => `{\n${command}\n} || exit $?`).join("\n");
    try {
      const ran = spawnSync("bash", ["-c", script], { env: { PATH: `${bin}:${process.env.PATH}`, ...env }, encoding: "utf8" });
      return { status: ran.status ?? -1, stdout: ran.stdout, stderr: ran.stderr, calls: fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "" };
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  }

  test("run with bash: it prints what it exports, and the doctor parses it back (headers in any case, CRLF)", () => {
    const ran = runBuildPhase(smokeBuildspec(everything({ strategy: ["authenticated", "fixed-ip"] })), { DOCKERHUB_USERNAME: "exampleteam", DOCKERHUB_TOKEN: "dckr_pat_x" });
    expect(ran.status).toBe(0);
    expect(parseSmokeOutput(variablesFromLog(ran.stdout.split("\n")))).toEqual({
      egressIp: IP,
      limit: { count: 100, windowSeconds: 21600 },
      remaining: { count: 42, windowSeconds: 21600 },
      source: IP,
      pulled: "docker.io/library/hello-world:latest",
    });
    expect(ran.calls).toContain("docker login --username exampleteam --password-stdin");
    expect(ran.calls).toContain("docker pull docker.io/library/hello-world:latest");
    // The token reaches docker on stdin only, and the anonymous bearer token curl on stdin only.
    expect(ran.calls).not.toContain("dckr_pat_x");
    expect(ran.calls).not.toContain("anonymous-token");
  });

  test("run with bash: the placeholder stops the build before any pull; an unreachable ipify does not", () => {
    const ran = runBuildPhase(smokeBuildspec(everything({ strategy: ["authenticated"] })), { DOCKERHUB_USERNAME: "exampleteam", DOCKERHUB_TOKEN: "UNSET" });
    expect(ran.status).not.toBe(0);
    expect(ran.stderr).toContain("ERROR: no Docker Hub token is stored");
    expect(ran.calls).not.toContain("docker pull");
    expect(variablesFromLog(ran.stdout.split("\n")).DOCTOR_EGRESS_IP).toBe(IP);
  });

  test("parsing: quotas with and without a window; lines that are not the build's own are ignored", () => {
    expect(parseQuota("100;w=21600")).toEqual({ count: 100, windowSeconds: 21600 });
    expect(parseQuota("5000")).toEqual({ count: 5000 });
    expect(parseQuota("")).toBeUndefined();
    expect(
      variablesFromLog([
        "[Container] 2026/01/05 10:00:01.000000 Running command echo \"DOCTOR_EGRESS_IP=${DOCTOR_EGRESS_IP:-}\"",
        "DOCTOR_EGRESS_IP=203.0.113.10",
        "DOCTOR_RATELIMIT_LIMIT=",
      ]),
    ).toEqual({ DOCTOR_EGRESS_IP: IP, DOCTOR_RATELIMIT_LIMIT: "" });
    expect(parseSmokeOutput({ DOCTOR_EGRESS_IP: "<html>", DOCTOR_RATELIMIT_LIMIT: "" })).toEqual({});
  });

  test("the run: StartBuild with the override, a progress line per poll, then the egress IP checked against the Elastic IPs", async () => {
    let started: StartBuildCommandInput | undefined;
    mock(CodeBuildClient)
      .on(StartBuildCommand)
      .callsFake((input: StartBuildCommandInput) => {
        started = input;
        return { build: { id: "docker-builds-test:1", buildStatus: "IN_PROGRESS", currentPhase: "SUBMITTED" } };
      })
      .on(BatchGetBuildsCommand, { ids: ["docker-builds-test:1"] })
      .resolvesOnce({ builds: [{ id: "docker-builds-test:1", buildStatus: "IN_PROGRESS", currentPhase: "PROVISIONING" }] })
      .resolvesOnce({ builds: [{ id: "docker-builds-test:1", buildStatus: "IN_PROGRESS", currentPhase: "BUILD" }] })
      .resolves({ builds: [succeeded({ DOCTOR_EGRESS_IP: "198.51.100.7", DOCTOR_RATELIMIT_LIMIT: "100;w=21600", DOCTOR_RATELIMIT_REMAINING: "0;w=21600", DOCTOR_PULLED: "docker.io/library/hello-world:latest" })] });
    const progress: string[] = [];
    const environment = everything({ strategy: "fixed-ip" });
    const report = await run(environment, { smoke: true, progress: (line) => progress.push(line), smokeOptions: { pollIntervalMs: 2000 } });
    expect(started).toEqual({
      projectName: "docker-builds-test",
      buildspecOverride: smokeBuildspec(environment),
      sourceTypeOverride: "NO_SOURCE",
      artifactsOverride: { type: "NO_ARTIFACTS" },
      timeoutInMinutesOverride: 15,
    });
    expect(progress).toEqual([
      `smoke: build docker-builds-test:1 started: https://eu-west-1.console.aws.amazon.com/codesuite/codebuild/${ACCOUNT}/projects/docker-builds-test/build/docker-builds-test%3A1/?region=eu-west-1`,
      "smoke: build docker-builds-test:1: PROVISIONING (2 s)",
      "smoke: build docker-builds-test:1: BUILD (4 s)",
      "smoke: build docker-builds-test:1: SUCCEEDED (6 s)",
    ]);
    expect(result(report, "smoke.build").message).toBe(
      "build docker-builds-test:1 pulled docker.io/library/hello-world:latest from Docker Hub, anonymously (counted for the egress IP) in 61 s; log: https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logEvent:group=/aws/codebuild/docker-builds-test;stream=1",
    );
    expect(result(report, "smoke.egress-ip")).toMatchObject({ status: "fail", message: expect.stringMatching(/^the build left from 198\.51\.100\.7, not from the stack's egress_public_ips \(203\.0\.113\.10\)/) });
    // Anonymous pulls live on the egress IPs' quota: none left is a failure.
    expect(result(report, "smoke.ratelimit")).toMatchObject({ status: "fail", message: "Docker Hub ratelimit-remaining 0 of ratelimit-limit 100 per 6 h, anonymous, counted for 198.51.100.7 (a HEAD: no pull counted)" });
  });

  test("a failed build: its phase and CodeBuild's reason, and the log link; no exported variables: read from its log", async () => {
    mock(CodeBuildClient)
      .on(StartBuildCommand)
      .resolves({ build: { id: "docker-builds-test:2", buildStatus: "IN_PROGRESS" } })
      .on(BatchGetBuildsCommand)
      .resolves({
        builds: [
          {
            ...succeeded({}, "docker-builds-test:2"),
            buildStatus: "FAILED",
            phases: [
              { phaseType: "PROVISIONING", phaseStatus: "SUCCEEDED" },
              { phaseType: "BUILD", phaseStatus: "FAILED", contexts: [{ statusCode: "COMMAND_EXECUTION_ERROR", message: "Error while executing command: docker pull. Reason: exit status 1" }] },
            ],
          },
        ],
      });
    mock(CloudWatchLogsClient)
      .on(GetLogEventsCommand)
      .resolvesOnce({ events: [{ message: "[Container] 2026/01/05 Running command ...\n" }, { message: `DOCTOR_EGRESS_IP=${IP}\n` }], nextForwardToken: "f/1" })
      .resolves({ events: [{ message: "toomanyrequests: You have reached your pull rate limit.\n" }], nextForwardToken: "f/1" });
    const report = await run(everything({ strategy: ["authenticated", "fixed-ip"] }), { smoke: true });
    expect(result(report, "smoke.build")).toEqual({
      id: "smoke.build",
      area: "smoke",
      status: "fail",
      message: "build docker-builds-test:2 FAILED in BUILD: Error while executing command: docker pull. Reason: exit status 1 in 61 s",
      fix: expect.stringMatching(/^read the build's log \(https:\/\/console\.aws\.amazon\.com\/cloudwatch\/.*\); a failed login means the stored token is wrong or the placeholder: eval/),
    });
    expect(result(report, "smoke.egress-ip").status).toBe("ok");
    expect(sent().filter((c) => c.name === "GetLogEvents").map((c) => c.input.nextToken)).toEqual([undefined, "f/1"]);
    expect(exitCode(report.results)).toBe(2);
  });

  test("a build that does not finish in time: the wait gives up, says where to follow it, and the build goes on", async () => {
    mock(CodeBuildClient).on(StartBuildCommand).resolves({ build: { id: "docker-builds-test:3", buildStatus: "IN_PROGRESS" } }).on(BatchGetBuildsCommand).resolves({ builds: [{ id: "docker-builds-test:3", buildStatus: "IN_PROGRESS", currentPhase: "QUEUED" }] });
    const report = await run(everything(), { smoke: true, smokeOptions: { pollIntervalMs: 60_000, timeoutMs: 180_000 } });
    expect(result(report, "smoke.build")).toMatchObject({ status: "fail", message: "build docker-builds-test:3 did not finish within 3 minutes (last phase QUEUED)" });
    expect(sent().filter((c) => c.name === "StopBuild")).toEqual([]);
  });
});

describe("the report", () => {
  const report: DoctorReport = {
    environment: "prod",
    accountId: "222222222222",
    region: "us-east-1",
    strategies: ["authenticated", "fixed-ip"],
    identity: { account: "222222222222", arn: "arn:aws:sts::222222222222:assumed-role/ci/1" },
    smoke: false,
    results: [
      { id: "network.routes", area: "network", status: "fail", message: "subnet-1 has no default route", fix: "deploy again" },
      { id: "access.account", area: "access", status: "ok", message: "running as someone" },
      { id: "credentials.token", area: "credentials", status: "warn", message: "odd", fix: "look" },
    ],
  };

  test("a line per check in area order, its fix under it, and a summary that gives the verdict", () => {
    expect(formatReport(report).split("\n")).toEqual([
      "doctor: prod (account 222222222222, us-east-1; strategy authenticated + fixed-ip) as arn:aws:sts::222222222222:assumed-role/ci/1",
      "ok    access       running as someone",
      "warn  credentials  odd",
      "                   fix: look",
      "FAIL  network      subnet-1 has no default route",
      "                   fix: deploy again",
      "prod: 1 ok, 1 warn, 1 fail: does NOT escape the limit: see the fixes above",
    ]);
    expect(formatResult(report.results[1], { color: true })).toBe("\u001b[32mok  \u001b[0m  access       running as someone");
  });

  test("exit code by the worst result: 0 ok, 1 warn, 2 fail; --json carries the same", () => {
    expect(summarize(report.results)).toEqual({ ok: 1, warn: 1, fail: 1, worst: "fail" });
    expect(exitCode(report.results)).toBe(2);
    expect(exitCode(report.results.filter((r) => r.status !== "fail"))).toBe(1);
    expect(exitCode(report.results.filter((r) => r.status === "ok"))).toBe(0);
    const json = JSON.parse(formatJson(report));
    expect(json).toMatchObject({ environment: "prod", summary: { ok: 1, warn: 1, fail: 1, worst: "fail" }, exitCode: 2 });
    expect(json.results).toHaveLength(3);
  });
});
