/**
 * shared, the mirror's host, deployed into the AWS API emulator (its own
 * account, 333333333333): the token in the mirror's secret, pinned
 * repositories that hold images, an image dropped and retired, the mirror
 * moved to another account and taken back.
 */
import { ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";
import { APPLY_TIMEOUT, Deployment, describeWithEmulator, expectRefused, printCoverageAfterAll } from "./support/apply";
import { Emulator, startEmulator } from "./support/emulator";
import { EmulatorReader, secretValueReads } from "./support/emulator-reads";
import { environmentFrom, merge, readShipped, synthStackJson } from "./support/environments";

const CANARY = "dckr_pat_MIRRORCANARY0123456789abcdef";
const SECRET = "ecr-pullthroughcache/docker-builds-shared-docker-hub";
const PINNED = ["mirror/library/node", "mirror/library/python", "mirror/docker/library/alpine"];

printCoverageAfterAll("shared");

describeWithEmulator("shared, the mirror's host, deployed into the emulator: pinned repositories and their images survive", () => {
  const region = "eu-west-1";
  const shipped = readShipped("shared");
  const environment = (mirror: Record<string, unknown> = {}, top: Record<string, unknown> = {}) =>
    environmentFrom({ ...merge(shipped, { mirror }), ...top }, "shared");
  let emulator: Emulator;
  let deployment: Deployment;
  let read: EmulatorReader;

  beforeAll(async () => {
    emulator = await startEmulator("333333333333");
    deployment = await Deployment.start(emulator, "shared", region);
    read = new EmulatorReader(emulator, region);
  }, APPLY_TIMEOUT);
  afterAll(async () => {
    read?.destroy();
    await emulator?.stop();
    deployment?.remove();
  });

  const deploy = async (json: Record<string, unknown>) => {
    await deployment.deploy(json);
    expect(await deployment.pendingChanges()).toEqual([]);
  };
  const pinnedInState = () => deployment.addresses().filter((a) => /^aws_ecr_(repository|lifecycle_policy|repository_policy)\.mirror_pinned/.test(a));
  /** Every pinned repository still in ECR, with its image, its lifecycle policy and the policy that shares it. */
  const expectPinnedKept = async () => {
    for (const name of PINNED) {
      const repository = await read.repository(name);
      expect({ name, tags: repository?.tags, lifecycle: Boolean(repository?.lifecyclePolicy), shared: repository?.repositoryPolicy?.includes("111111111111") }).toEqual({
        name,
        tags: ["synced"],
        lifecycle: true,
        shared: true,
      });
    }
  };

  test("first deploy with TF_VAR_dockerhub_token: the token is in the mirror's secret; pinned repositories with their policies", async () => {
    const deployed = await deployment.deploy(synthStackJson(environment()), { dockerhub_token: CANARY });
    expect(new Set(deployed.excluded.map((e) => e.type))).toEqual(
      new Set(["aws_codebuild_project", "aws_ecr_pull_through_cache_rule", "aws_ecr_registry_policy", "aws_ecr_repository_creation_template", "aws_scheduler_schedule"]),
    );
    expect(await read.secret(SECRET)).toEqual({ value: { username: "exampleteam", accessToken: CANARY }, versions: 1, stages: ["AWSCURRENT"] });
    expect(pinnedInState()).toHaveLength(9);
    for (const [where, text] of deployment.leakCarriers()) expect({ where, leaked: text.includes(CANARY) }).toEqual({ where, leaked: false });

    // What the sync job would do: an image in each pinned repository.
    const ecr = new ECRClient(emulator.clientConfig(region));
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.docker.distribution.manifest.v2+json", config: {}, layers: [] });
    for (const name of PINNED) await ecr.send(new PutImageCommand({ repositoryName: name, imageManifest: manifest, imageTag: "synced" }));
    ecr.destroy();
    await expectPinnedKept();
  }, APPLY_TIMEOUT);

  test("a refreshing plan changes nothing, and makes no call that returns a secret value", async () => {
    await emulator.record();
    expect(await deployment.pendingChanges()).toEqual([]);
    expect(secretValueReads(await emulator.recorded())).toEqual([]);
  }, APPLY_TIMEOUT);

  test("an image dropped from mirror.images alone: the plan refuses (prevent_destroy) and nothing is touched", async () => {
    const before = deployment.addresses();
    const dropped = environment({ images: ["library/node:20", "public.ecr.aws/docker/library/alpine:3.20"] });
    await expectRefused(deployment.deploy(synthStackJson(dropped)), /Instance cannot be destroyed.*aws_ecr_repository\.mirror_pinned\["library\/python"\]/);
    expect(deployment.addresses()).toEqual(before);
    await expectPinnedKept();
  }, APPLY_TIMEOUT);

  test("the image moved to mirror.retiredImages: its repository and policies are forgotten as a whole, and stay with the image", async () => {
    await deploy(
      synthStackJson(environment({ images: ["library/node:20", "public.ecr.aws/docker/library/alpine:3.20"], retiredImages: ["library/python:3.12-slim"] })),
    );
    expect(pinnedInState().filter((a) => a.includes("library/python"))).toEqual([]);
    expect(pinnedInState()).toHaveLength(6);
    await expectPinnedKept();
  }, APPLY_TIMEOUT);

  test("the environment moves to another account's mirror: the secret and every pinned repository are forgotten, none deleted", async () => {
    await deploy(synthStackJson(environment({}, { mirror: { registry: "shared", accountId: "444444444444" } })));
    expect(pinnedInState()).toEqual([]);
    expect(deployment.addresses()).not.toContain("aws_secretsmanager_secret.dockerhub_mirror");
    expect((await read.secret(SECRET)).value.accessToken).toBe(CANARY);
    await expectPinnedKept();
  }, APPLY_TIMEOUT);

  test("and takes its mirror back with adoptExisting: the secret and the repositories are imported, token and images intact", async () => {
    await deploy(synthStackJson(environment({ adoptExisting: true })));
    expect(pinnedInState()).toHaveLength(9);
    expect(await read.secret(SECRET)).toMatchObject({ value: { accessToken: CANARY }, versions: 1 });
    await expectPinnedKept();
  }, APPLY_TIMEOUT);
});
