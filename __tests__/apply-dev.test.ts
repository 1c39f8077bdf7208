/**
 * dev, deployed into the AWS API emulator (its own account, 111111111111) and
 * taken through its life: the first deploy with the token, later deploys that
 * change nothing, the rotation command, strategy flips that must forget (not
 * destroy) what users rely on, and a teardown that keeps it.
 */
import { spawnSync } from "node:child_process";
import { Testing } from "cdktf";
import { Strategy } from "../config";
import { TeardownStack } from "../stacks";
import { APPLY_TIMEOUT, Deployment, describeWithEmulator, expectRefused, printCoverageAfterAll } from "./support/apply";
import { Emulator, startEmulator } from "./support/emulator";
import { EmulatorReader, secretValueReads } from "./support/emulator-reads";
import { environmentFrom, readShipped, synthStackJson } from "./support/environments";

const CANARY = "dckr_pat_APPLYCANARY0123456789abcdef";
const ROTATED = "dckr_pat_ROTATED0123456789abcdefghij";
const LATER = "dckr_pat_LATERDEPLOY0123456789abcdef";

printCoverageAfterAll("dev");

describeWithEmulator("dev, deployed into the emulator and taken through its life", () => {
  const region = "eu-west-1";
  const environment = (strategy?: Strategy[]) => environmentFrom(strategy ? { ...readShipped("dev"), strategy } : readShipped("dev"), "dev");
  const tokenParameter = environment().dockerHub.parameterPrefix + "/token";
  const usernameParameter = environment().dockerHub.parameterPrefix + "/username";
  let emulator: Emulator;
  let deployment: Deployment;
  let read: EmulatorReader;
  /** Every Elastic IP a deploy ever allocated: none may be released. */
  const allocated = new Set<string>();

  beforeAll(async () => {
    emulator = await startEmulator("111111111111");
    deployment = await Deployment.start(emulator, "dev", region);
    read = new EmulatorReader(emulator, region);
  }, APPLY_TIMEOUT);
  afterAll(async () => {
    read?.destroy();
    await emulator?.stop();
    deployment?.remove();
  });

  /** Applies `strategy`, then a refreshing plan must find nothing to change. */
  const flip = async (strategy: Strategy[]) => {
    await deployment.deploy(synthStackJson(environment(strategy)));
    expect(await deployment.pendingChanges()).toEqual([]);
    for (const id of await read.elasticIps()) allocated.add(id);
  };

  /** What users rely on is still there: the rotated token, and every address ever allocated. */
  const expectNothingLost = async () => {
    expect((await read.parameter(tokenParameter))?.value).toBe(ROTATED);
    expect(await read.elasticIps()).toEqual([...allocated].sort());
  };

  const eipsInState = () => deployment.addresses().filter((address) => address.startsWith("aws_eip."));

  test("first deploy with TF_VAR_dockerhub_token: the token is in the SSM parameter, and in no state file, plan or log", async () => {
    const deployed = await deployment.deploy(synthStackJson(environment()), { dockerhub_token: CANARY });
    expect(deployed.excluded.map((e) => e.type)).toEqual(["aws_codebuild_project"]);

    expect(await read.parameter(tokenParameter)).toMatchObject({ value: CANARY, type: "SecureString", version: 1, labels: [] });
    expect(await read.parameter(usernameParameter)).toMatchObject({ value: "exampleteam", type: "SecureString" });
    // Terraform keeps a record of the store, never the parameters (refreshing them would read the token).
    expect(deployment.addresses()).toContain("terraform_data.dockerhub_credentials");
    expect(deployment.addresses().filter((a) => a.startsWith("aws_ssm_parameter."))).toEqual([]);
    for (const [where, text] of deployment.leakCarriers()) expect({ where, leaked: text.includes(CANARY) }).toEqual({ where, leaked: false });
  }, APPLY_TIMEOUT);

  test("a refreshing plan changes nothing, and makes no call that returns a secret value", async () => {
    await emulator.record();
    expect(await deployment.pendingChanges()).toEqual([]);
    const requests = await emulator.recorded();
    expect(requests.length).toBeGreaterThan(5);
    expect(secretValueReads(requests)).toEqual([]);
  }, APPLY_TIMEOUT);

  test("the stack's dockerhub_set_token_command, fed a token on a pipe without a newline, stores it; the next deploy leaves it alone", async () => {
    const command = (await deployment.output("dockerhub_set_token_command")) as string;
    const rotated = spawnSync("bash", ["-c", command], { input: ROTATED, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...emulator.cliEnv(region) }, encoding: "utf8" });
    expect(rotated.stderr).toContain(`Stored in SSM parameter ${tokenParameter}.`);
    expect(rotated.status).toBe(0);
    expect(rotated.stdout + rotated.stderr).not.toContain(ROTATED);
    expect(await read.parameter(tokenParameter)).toMatchObject({ value: ROTATED, version: 2 });

    // A later deploy, even one given a token, keeps the stored one.
    await deployment.deploy(synthStackJson(environment()), { dockerhub_token: LATER });
    expect(await read.parameter(tokenParameter)).toMatchObject({ value: ROTATED, version: 2 });
    expect(await deployment.pendingChanges()).toEqual([]);
    for (const [where, text] of deployment.leakCarriers()) expect({ where, leaked: text.includes(LATER) || text.includes(ROTATED) }).toEqual({ where, leaked: false });
  }, APPLY_TIMEOUT);

  test("flip to fixed-ip alone: the stored credentials stay where they are; a NAT gateway with a new Elastic IP", async () => {
    await flip(["fixed-ip"]);
    expect(await read.natGateways()).toHaveLength(1);
    expect(eipsInState()).toEqual(["aws_eip.egress_ip_0"]);
    expect(deployment.addresses()).not.toContain("terraform_data.dockerhub_credentials");
    await expectNothingLost();
  }, APPLY_TIMEOUT);

  test("flip to all three: authenticated comes back and adopts the stored token; the Elastic IP is the same one", async () => {
    const before = deployment.attributes("aws_eip.egress_ip_0").allocation_id;
    await flip(["authenticated", "fixed-ip", "mirror"]);
    expect(deployment.attributes("aws_eip.egress_ip_0").allocation_id).toBe(before);
    await expectNothingLost();
  }, APPLY_TIMEOUT);

  test("flip to fixed-ip and mirror, then authenticated alone: the Elastic IP is forgotten, still allocated", async () => {
    await flip(["fixed-ip", "mirror"]);
    await flip(["authenticated"]);
    expect(eipsInState()).toEqual([]);
    expect(allocated.size).toBe(1);
    expect(await read.natGateways()).toEqual([]);
    await expectNothingLost();
  }, APPLY_TIMEOUT);

  test("dockerHub.kmsKeyArn set: the deploy stops while the token is under the old key, the rotation command re-stores it with the new one, the next deploy passes", async () => {
    const key = "arn:aws:kms:eu-west-1:111111111111:key/3f0c2a1e-5b7d-4c8e-9f60-1a2b3c4d5e6f";
    const withKey = synthStackJson(environmentFrom({ ...readShipped("dev"), strategy: ["authenticated"], dockerHub: { ...readShipped("dev").dockerHub as object, kmsKeyArn: key } }, "dev"));
    await expectRefused(deployment.deploy(withKey), new RegExp(`holds a token encrypted with alias/aws/ssm, not ${key} as dockerHub.kmsKeyArn says: builds could not decrypt it`));
    expect(await read.parameter(tokenParameter)).toMatchObject({ value: ROTATED, keyId: "alias/aws/ssm" });

    // The command the README points to, as the stopped deploy recorded it: it writes with the configured key.
    const command = (await deployment.output("dockerhub_set_token_command")) as string;
    expect(command).toContain(`--key-id ${key}`);
    const rotated = spawnSync("bash", ["-c", command], { input: ROTATED, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...emulator.cliEnv(region) }, encoding: "utf8" });
    expect(rotated.status).toBe(0);
    expect(await read.parameter(tokenParameter)).toMatchObject({ value: ROTATED, keyId: key });

    await deployment.deploy(withKey);
    expect(await deployment.pendingChanges()).toEqual([]);
    await expectNothingLost();
  }, APPLY_TIMEOUT);

  test("cdktf destroy stops at the protected image repository and deletes nothing", async () => {
    const before = deployment.addresses();
    await expectRefused(deployment.destroy(), /Instance cannot be destroyed.*aws_ecr_repository\.image_repository/);
    expect(deployment.addresses()).toEqual(before);
  }, APPLY_TIMEOUT);

  test("the teardown deletes the rest and keeps what users rely on: credentials, addresses, the image repository", async () => {
    const teardown = JSON.parse(Testing.synth(new TeardownStack(Testing.app(), "dev", environment(["authenticated"]))));
    await deployment.deploy(teardown);
    expect(deployment.addresses()).toEqual([]);
    expect(await read.repository("docker-builds-dev")).toBeDefined();
    expect(await read.parameter(usernameParameter)).toBeDefined();
    await expectNothingLost();
  }, APPLY_TIMEOUT);
});
