/**
 * The state of a first setup, in the emulator: the bootstrap applies with
 * local state, which then moves into the bucket it made; prod deploys with
 * its state and lock there; a fresh working directory, as a CI runner has,
 * plans from it and finds nothing to change.
 *
 * IAM is not enforced here: moto's S3 signature check fails on list queries
 * with "/" or ":", which Terraform's S3 backend always sends.
 * apply-bootstrap-iam.test.ts proves the CI roles' policies.
 */
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import * as fs from "node:fs";
import * as path from "node:path";
import { Credentials } from "../terraform";
import { APPLY_TIMEOUT, Deployment, describeWithEmulator, printCoverageAfterAll } from "./support/apply";
import { Emulator, startEmulator } from "./support/emulator";
import { emulatorS3 } from "./support/emulator-reads";
import { environmentFrom, synthBootstrapJson, synthStackJson } from "./support/environments";
import { prodBootstrap, prodWithGitSource } from "./support/emulator-gaps";

const CANARY = "dckr_pat_BOOTSTRAPCANARY0123456789ab";
const region = "us-east-1";

printCoverageAfterAll("bootstrap, state");

const file = prodWithGitSource;
const { bucket, stateKey, bootstrapKey } = prodBootstrap();
const s3Client = (emulator: Emulator, credentials?: Credentials) => emulatorS3(emulator, region, credentials);

describeWithEmulator("the state of a first setup: the bootstrap's moves into the bucket it made; prod deploys and plans from the bucket", () => {
  // Authenticated only: the state flow is the point here, not the network.
  const authenticated = environmentFrom(file({ strategy: "authenticated" }), "prod");
  const migrated = environmentFrom(file({ strategy: "authenticated", bootstrap: { state: "s3" } }), "prod");
  let emulator: Emulator;
  let s3: S3Client;
  const deployments: Deployment[] = [];

  beforeAll(async () => {
    emulator = await startEmulator("222222222222");
    s3 = s3Client(emulator);
  }, APPLY_TIMEOUT);
  afterAll(async () => {
    s3?.destroy();
    await emulator?.stop();
    for (const deployment of deployments) deployment.remove();
  });
  const start = async (name: string) => {
    const deployment = await Deployment.start(emulator, name, region, { s3Backend: true });
    deployments.push(deployment);
    return deployment;
  };
  const objectExists = (key: string) =>
    s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
      () => true,
      () => false,
    );

  test('the bootstrap applies with local state, which then moves into its bucket in one step ("bootstrap": { "state": "s3" }, deploy --migrate-state)', async () => {
    const deployment = await start("bootstrap-state");
    await deployment.deploy(synthBootstrapJson(authenticated));
    expect(await objectExists(bootstrapKey)).toBe(false);
    deployment.configure(synthBootstrapJson(migrated));
    await deployment.workspace.migrateState();
    expect(await objectExists(bootstrapKey)).toBe(true);
    const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: bootstrapKey }))).Body!.transformToString();
    expect((JSON.parse(body) as { resources: { type: string }[] }).resources.map((r) => r.type)).toContain("aws_s3_bucket");
    expect(await deployment.pendingChanges()).toEqual([]);
  }, APPLY_TIMEOUT);

  test("prod deploys with its state and lock in the bucket; a fresh working directory plans from it and finds nothing to change", async () => {
    const deployment = await start("prod-state");
    await deployment.deploy(synthStackJson(authenticated), { dockerhub_token: CANARY });
    expect(await objectExists(stateKey)).toBe(true);
    expect(await objectExists(`${stateKey}.tflock`)).toBe(false);
    expect(fs.existsSync(path.join(deployment.workspace.dir, "terraform.tfstate"))).toBe(false);
    const runner = await start("prod-runner");
    runner.configure(synthStackJson(authenticated));
    expect(await runner.pendingChanges()).toEqual([]);
  }, APPLY_TIMEOUT);
});
