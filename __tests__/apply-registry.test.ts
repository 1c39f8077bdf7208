/**
 * The registry's singletons, deployed into the AWS API emulator (shared's
 * account, 333333333333, an emulator of its own): a registry policy the
 * account already has is never replaced without its statements, and a
 * registry on ENHANCED scanning is never set back to BASIC; the scanning
 * configuration is imported, then forgotten, never reset.
 */
import {
  ECRClient,
  GetRegistryPolicyCommand,
  GetRegistryScanningConfigurationCommand,
  PutRegistryPolicyCommand,
  PutRegistryScanningConfigurationCommand,
} from "@aws-sdk/client-ecr";
import { RETAINED } from "../stacks";
import { APPLY_TIMEOUT, Deployment, describeWithEmulator, expectRefused, printCoverageAfterAll } from "./support/apply";
import { Emulator, startEmulator } from "./support/emulator";
import { environmentFrom, merge, readShipped, synthStackJson } from "./support/environments";

printCoverageAfterAll("registry");

describeWithEmulator("the registry's singletons, deployed into the emulator", () => {
  const region = "eu-west-1";
  const replication = {
    Sid: "ReplicationFromBackup",
    Effect: "Allow",
    Principal: { AWS: "arn:aws:iam::444444444444:root" },
    Action: ["ecr:CreateRepository", "ecr:ReplicateImage"],
    Resource: "arn:aws:ecr:eu-west-1:333333333333:repository/*",
  };
  const shared = (registry: Record<string, unknown>) => synthStackJson(environmentFrom(merge(readShipped("shared"), { registry }), "shared"));
  let emulator: Emulator;
  let deployment: Deployment;
  let ecr: ECRClient;

  beforeAll(async () => {
    emulator = await startEmulator("333333333333");
    deployment = await Deployment.start(emulator, "registry", region);
    ecr = new ECRClient(emulator.clientConfig(region));
  }, APPLY_TIMEOUT);
  afterAll(async () => {
    ecr?.destroy();
    await emulator?.stop();
    deployment?.remove();
  });

  const scanning = async () => (await ecr.send(new GetRegistryScanningConfigurationCommand({}))).scanningConfiguration!;
  const registryPolicy = async () => JSON.parse((await ecr.send(new GetRegistryPolicyCommand({}))).policyText!) as { Statement: { Sid: string }[] };

  test("a registry policy holding a statement the config does not list: the deploy refuses before writing, and the policy stays", async () => {
    await ecr.send(new PutRegistryPolicyCommand({ policyText: JSON.stringify({ Version: "2012-10-17", Statement: [replication] }) }));
    await expectRefused(
      deployment.deploy(shared({})),
      /The registry policy of this account has statements this stack would replace: ReplicationFromBackup\. Add them to registry\.policy\.additionalStatements/,
    );
    expect((await registryPolicy()).Statement.map((s) => s.Sid)).toEqual(["ReplicationFromBackup"]);
    expect(deployment.addresses()).not.toContain(`${RETAINED.registryPolicy.type}.${RETAINED.registryPolicy.name}`);
  }, APPLY_TIMEOUT);

  test("listed in registry.policy.additionalStatements, it is kept: the check lets the deploy through", async () => {
    await deployment.deploy(shared({ policy: { additionalStatements: [replication] } }));
    expect(await deployment.pendingChanges()).toEqual([]);
    // (The merged policy itself is left out here: moto refuses ecr:BatchImportUpstreamImage. registry.test.ts shows its statements.)
  }, APPLY_TIMEOUT);

  test("a registry on ENHANCED scanning and a config that says BASIC: the deploy refuses, the registry stays on ENHANCED", async () => {
    await ecr.send(new PutRegistryScanningConfigurationCommand({ scanType: "ENHANCED", rules: [] }));
    await expectRefused(
      deployment.deploy(shared({ scanning: { manage: true, scanType: "BASIC" }, policy: { additionalStatements: [replication] } })),
      /scans with Amazon Inspector \(ENHANCED\); scanType BASIC would turn that off/,
    );
    expect((await scanning()).scanType).toBe("ENHANCED");
  }, APPLY_TIMEOUT);

  test("ENHANCED in the config: the configuration is imported and gets one rule over the stack's repositories and the account's", async () => {
    await deployment.deploy(
      shared({ scanning: { manage: true, scanType: "ENHANCED", additionalFilters: ["team-a/*"] }, policy: { additionalStatements: [replication] } }),
    );
    expect(await deployment.pendingChanges()).toEqual([]);
    const configuration = await scanning();
    expect(configuration.scanType).toBe("ENHANCED");
    expect(configuration.rules?.[0].repositoryFilters?.map((f) => f.filter).sort()).toEqual(
      ["docker-builds-shared", "docker-hub/*", "ecr-public/*", "mirror/*", "team-a/*"],
    );
  }, APPLY_TIMEOUT);

  test("no longer managed: the configuration is forgotten, not reset; the registry keeps it", async () => {
    await deployment.deploy(shared({ policy: { additionalStatements: [replication] } }));
    expect(await deployment.pendingChanges()).toEqual([]);
    expect(deployment.addresses()).not.toContain(`${RETAINED.registryScanning.type}.${RETAINED.registryScanning.name}`);
    const configuration = await scanning();
    expect(configuration.scanType).toBe("ENHANCED");
    expect(configuration.rules?.[0].repositoryFilters).toHaveLength(5);
  }, APPLY_TIMEOUT);

  test("BASIC deployed, then Amazon Inspector turned on outside Terraform: the next deploy leaves the registry on ENHANCED", async () => {
    // The user moved the registry back to BASIC themselves, as the refusal above says to.
    await ecr.send(new PutRegistryScanningConfigurationCommand({ scanType: "BASIC", rules: [] }));
    const basic = shared({ scanning: { manage: true, scanType: "BASIC" }, policy: { additionalStatements: [replication] } });
    await deployment.deploy(basic);
    expect((await scanning()).scanType).toBe("BASIC");
    // Later, the security team enables Inspector for the account.
    await ecr.send(new PutRegistryScanningConfigurationCommand({ scanType: "ENHANCED", rules: (await scanning()).rules }));
    await deployment.deploy(basic);
    expect((await scanning()).scanType).toBe("ENHANCED");
    expect(await deployment.pendingChanges()).toEqual([]);
  }, APPLY_TIMEOUT);
});
