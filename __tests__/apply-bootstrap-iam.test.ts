/**
 * prod's account bootstrap, applied in an emulator that enforces IAM
 * (moto's INITIAL_NO_AUTH_ACTION_COUNT): an administrator applies
 * `prod-bootstrap`; prod is deployed from nothing with the deploy role's
 * policy as applied; a pull request's refreshing plan runs with the plan
 * role's policy as applied, and those credentials are refused every secret
 * value and every write of the state (checked with the S3 calls Terraform's
 * backend makes: moto's signature check fails on the backend's own list
 * queries, so apply-bootstrap-state.test.ts runs the backend unenforced).
 *
 * The CI roles trust GitHub's OIDC tokens, which moto cannot verify
 * (AssumeRoleWithWebIdentity answers 500): each role's applied policies go
 * to a user of the test's own instead (support/iam-proof.ts says what moto
 * enforces of them). ci-roles.test.ts proves the trust policies, resources
 * and conditions with the IAM simulator.
 */
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetRoleCommand, IAMClient, ListOpenIDConnectProvidersCommand } from "@aws-sdk/client-iam";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import * as fs from "node:fs";
import * as path from "node:path";
import { Credentials } from "../terraform";
import { APPLY_TIMEOUT, Deployment, describeWithEmulator, printCoverageAfterAll } from "./support/apply";
import { Emulator, startEmulator } from "./support/emulator";
import { EmulatorReader, emulatorS3, secretValueReads } from "./support/emulator-reads";
import { synthBootstrapJson, synthStackJson } from "./support/environments";
import { prodBootstrap } from "./support/emulator-gaps";
import { accessOutcome, appliedPolicies, userWith } from "./support/iam-proof";

const CANARY = "dckr_pat_BOOTSTRAPCANARY0123456789ab";
const region = "us-east-1";

printCoverageAfterAll("bootstrap, IAM enforced");

const { prod, bootstrap, bucket, stateKey, bootstrapKey } = prodBootstrap();
const tokenParameter = `${prod.dockerHub.parameterPrefix}/token`;
const s3Client = (emulator: Emulator, credentials?: Credentials) => emulatorS3(emulator, region, credentials);

describeWithEmulator("prod's bootstrap, then prod deployed and planned with the CI roles' policies as applied, IAM enforced", () => {
  let emulator: Emulator;
  let admin: { s3: S3Client; iam: IAMClient };
  const deployments: Deployment[] = [];
  let deployed: Deployment;
  let deployKeys: Credentials;
  let planKeys: Credentials;

  beforeAll(async () => {
    emulator = await startEmulator("222222222222", { enforceIam: true });
    admin = { s3: s3Client(emulator), iam: new IAMClient(emulator.clientConfig(region)) };
  }, APPLY_TIMEOUT);
  afterAll(async () => {
    admin?.s3.destroy();
    admin?.iam.destroy();
    await emulator?.stop();
    for (const deployment of deployments) deployment.remove();
  });
  const start = async (name: string, credentials?: Credentials) => {
    const deployment = await Deployment.start(emulator, name, region, { credentials });
    deployments.push(deployment);
    return deployment;
  };

  test("an administrator applies prod-bootstrap: the state bucket, GitHub's OIDC provider, the plan and deploy roles, the boundary", async () => {
    const deployment = await start("bootstrap");
    expect((await deployment.deploy(synthBootstrapJson(prod))).excluded.map((e) => e.type)).toEqual(["aws_s3_bucket_policy"]);
    expect(await deployment.pendingChanges()).toEqual([]);

    const versioning = await admin.s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    expect(versioning.Status).toBe("Enabled");
    const encryption = await admin.s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    expect(encryption.ServerSideEncryptionConfiguration?.Rules?.[0].ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe("AES256");
    const blocked = await admin.s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
    expect(blocked.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    const lifecycle = await admin.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    expect(lifecycle.Rules?.[0].NoncurrentVersionExpiration?.NoncurrentDays).toBe(90);

    const providers = await admin.iam.send(new ListOpenIDConnectProvidersCommand({}));
    expect(providers.OpenIDConnectProviderList?.map((p) => p.Arn)).toEqual(["arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com"]);
    for (const [role, subject] of [
      ["docker-builds-ci-plan", "repo:example-org/docker-builds:pull_request"],
      ["docker-builds-ci-deploy", "repo:example-org/docker-builds:environment:prod"],
    ]) {
      const { Role } = await admin.iam.send(new GetRoleCommand({ RoleName: role }));
      const trust = JSON.parse(decodeURIComponent(Role!.AssumeRolePolicyDocument!)) as { Statement: { Condition: { StringEquals: Record<string, string> } }[] };
      expect(trust.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]).toBe(subject);
    }
  }, APPLY_TIMEOUT);

  test("the deploy role's policy, as applied, deploys prod from nothing; every role it creates carries the boundary", async () => {
    deployKeys = await userWith(emulator, "ci-deploy", await appliedPolicies(emulator, "docker-builds-ci-deploy"));
    deployed = await start("prod-ci-deploy", deployKeys);
    await deployed.deploy(synthStackJson(prod), { dockerhub_token: CANARY });
    expect(await deployed.pendingChanges()).toEqual([]);
    const { Role } = await admin.iam.send(new GetRoleCommand({ RoleName: "docker-builds-prod-build" }));
    expect(Role?.PermissionsBoundary?.PermissionsBoundaryArn).toBe(bootstrap.permissionsBoundary!.arn);
    const read = new EmulatorReader(emulator, region);
    expect((await read.parameter(tokenParameter))?.value).toBe(CANARY);
    read.destroy();
  }, APPLY_TIMEOUT);

  test("a pull request's refreshing plan with the plan role's policy, as applied, succeeds on the recorded state, changes nothing, reads no secret value", async () => {
    planKeys = await userWith(emulator, "ci-plan", await appliedPolicies(emulator, "docker-builds-ci-plan"));
    const plan = await start("prod-ci-plan", planKeys);
    plan.configure(synthStackJson(prod));
    plan.copyStateFrom(deployed);
    await emulator.record();
    expect(await plan.pendingChanges()).toEqual([]);
    const calls = await emulator.recorded();
    expect(calls.length).toBeGreaterThan(10);
    expect(secretValueReads(calls)).toEqual([]);
  }, APPLY_TIMEOUT);

  test("with the plan role's policy, GetSecretValue and a decrypting GetParameter on the token are denied (the administrator's succeed)", async () => {
    const secretName = "ecr-pullthroughcache/docker-builds-prod-docker-hub";
    const secrets = new SecretsManagerClient(emulator.clientConfig(region));
    await secrets.send(new CreateSecretCommand({ Name: secretName, SecretString: CANARY }));
    secrets.destroy();
    const attempts = async (credentials: Credentials) => {
      const config = { ...emulator.clientConfig(region), credentials };
      const ssm = new SSMClient(config);
      const secretsManager = new SecretsManagerClient(config);
      const result = {
        decryptingGetParameter: await accessOutcome(ssm.send(new GetParameterCommand({ Name: tokenParameter, WithDecryption: true }))),
        getSecretValue: await accessOutcome(secretsManager.send(new GetSecretValueCommand({ SecretId: secretName }))),
      };
      ssm.destroy();
      secretsManager.destroy();
      return result;
    };
    expect(await attempts(planKeys)).toEqual({ decryptingGetParameter: "denied", getSecretValue: "denied" });
    expect(await attempts(emulator.credentials)).toEqual({ decryptingGetParameter: "allowed", getSecretValue: "allowed" });
  }, APPLY_TIMEOUT);

  test("state, with the calls Terraform's S3 backend makes: the plan role reads prod's and writes nothing; the deploy role writes it and its lock, never the bootstrap's", async () => {
    // prod's state, where the S3 backend keeps it (the local copy of what the deploy recorded).
    const recorded = fs.readFileSync(path.join(deployed.workspace.dir, "terraform.tfstate"), "utf8");
    await admin.s3.send(new PutObjectCommand({ Bucket: bucket, Key: stateKey, Body: recorded }));
    await admin.s3.send(new PutObjectCommand({ Bucket: bucket, Key: bootstrapKey, Body: "{}" }));
    const plan = s3Client(emulator, planKeys);
    const deploy = s3Client(emulator, deployKeys);
    const outcomes = async (client: S3Client) => ({
      listBucket: await accessOutcome(client.send(new ListObjectsV2Command({ Bucket: bucket }))),
      readState: await accessOutcome(client.send(new GetObjectCommand({ Bucket: bucket, Key: stateKey }))),
      writeState: await accessOutcome(client.send(new PutObjectCommand({ Bucket: bucket, Key: stateKey, Body: recorded }))),
      takeLock: await accessOutcome(client.send(new PutObjectCommand({ Bucket: bucket, Key: `${stateKey}.tflock`, Body: "{}" }))),
      releaseLock: await accessOutcome(client.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${stateKey}.tflock` }))),
      readBootstrapState: await accessOutcome(client.send(new GetObjectCommand({ Bucket: bucket, Key: bootstrapKey }))),
      writeBootstrapState: await accessOutcome(client.send(new PutObjectCommand({ Bucket: bucket, Key: bootstrapKey, Body: "{}" }))),
    });
    expect(await outcomes(plan)).toEqual({
      listBucket: "allowed",
      readState: "allowed",
      writeState: "denied",
      takeLock: "denied",
      releaseLock: "denied",
      readBootstrapState: "denied",
      writeBootstrapState: "denied",
    });
    expect(await outcomes(deploy)).toEqual({
      listBucket: "allowed",
      readState: "allowed",
      writeState: "allowed",
      takeLock: "allowed",
      releaseLock: "allowed",
      readBootstrapState: "denied",
      writeBootstrapState: "denied",
    });
    plan.destroy();
    deploy.destroy();
  }, APPLY_TIMEOUT);
});

