/**
 * The registry's singletons: its scanning configuration and its permissions
 * policy are one per registry, so the stack manages them only as the config
 * says, never clobbers what the account has, and never resets them on a
 * destroy. The apply-time checks run here as the shell they are, with a
 * stand-in `aws`; against the emulator in apply-registry.test.ts.
 */
import { Testing } from "cdktf";
import { Construct } from "constructs";
import { RegistryPolicy, RegistryPolicyStatement, RegistryScanning } from "../constructs";
import { RETAINED, TeardownStack } from "../stacks";
import { environmentFrom, merge, readShipped, resourcesIn, synthIn, synthStackJson } from "./support/environments";
import { StandIns } from "./support/stand-ins";

const ACCOUNT = "123456789012";
const synth = (build: (scope: Construct) => void) => synthIn(ACCOUNT, "eu-west-1", build);
/** The one terraform_data's command, as bash gets it. */
const commandOf = (json: string) =>
  ((resourcesIn(json, "terraform_data")[0].provisioner as { "local-exec": { command: string } }[])[0]["local-exec"].command).replace(/\$\$\{/g, "${");
const replication: RegistryPolicyStatement = {
  Sid: "ReplicationFromBackup",
  Effect: "Allow",
  Principal: { AWS: "arn:aws:iam::444444444444:root" },
  Action: ["ecr:CreateRepository", "ecr:ReplicateImage"],
  Resource: `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/*`,
};

let standIns: StandIns;
beforeEach(() => {
  standIns = new StandIns(["aws"]);
});
afterEach(() => standIns.remove());

describe("RegistryScanning", () => {
  test("imports the registry's configuration (so the plan shows what changes), and checks for ENHANCED before writing BASIC", () => {
    const json = synth((scope) => new RegistryScanning(scope, "scanning", { scanType: "BASIC", repositoryFilters: ["mirror/*", "app"], logicalId: "scanning" }));
    const parsed = JSON.parse(json);
    expect(parsed.import).toEqual([{ to: "aws_ecr_registry_scanning_configuration.scanning", id: ACCOUNT }]);
    const [configuration] = resourcesIn(json, "aws_ecr_registry_scanning_configuration");
    expect(configuration).toMatchObject({
      scan_type: "BASIC",
      rule: [{ scan_frequency: "SCAN_ON_PUSH", repository_filter: [{ filter: "mirror/*", filter_type: "WILDCARD" }, { filter: "app", filter_type: "WILDCARD" }] }],
      depends_on: [expect.stringMatching(/^terraform_data\./)],
    });
  });

  test("the check refuses a registry on ENHANCED, and lets a BASIC one through", () => {
    const command = commandOf(synth((scope) => new RegistryScanning(scope, "scanning", { scanType: "BASIC", repositoryFilters: ["app"] })));
    const refused = standIns.bash(command, { STAND_IN_SCAN_TYPE: "ENHANCED" });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`The registry of account ${ACCOUNT} in eu-west-1 scans with Amazon Inspector (ENHANCED); scanType BASIC would turn that off.`);
    expect(standIns.bash(command, { STAND_IN_SCAN_TYPE: "BASIC" }).status).toBe(0);
  });

  test("ENHANCED needs no check (nothing to downgrade); continuous scanning only with it", () => {
    const json = synth((scope) => new RegistryScanning(scope, "scanning", { scanType: "ENHANCED", frequency: "CONTINUOUS_SCAN", repositoryFilters: ["*"] }));
    expect(resourcesIn(json, "terraform_data")).toEqual([]);
    synth((scope) =>
      expect(() => new RegistryScanning(scope, "s", { scanType: "BASIC", frequency: "CONTINUOUS_SCAN", repositoryFilters: [] })).toThrow(
        /CONTINUOUS_SCAN needs scanType ENHANCED; give at least one repository filter/,
      ),
    );
  });
});

describe("RegistryPolicy", () => {
  test("checks the registry's current policy before writing it: none, or only its own statements, is fine", () => {
    const command = commandOf(synth((scope) => new RegistryPolicy(scope, "policy", { statements: [replication] })));
    expect(standIns.bash(command, { STAND_IN_REGISTRY_POLICY: "none" }).status).toBe(0);
    expect(standIns.bash(command, { STAND_IN_REGISTRY_POLICY: JSON.stringify({ Statement: [replication] }) }).status).toBe(0);
  });

  test("refuses to replace a policy holding statements it does not list, naming them; nothing is changed", () => {
    const command = commandOf(synth((scope) => new RegistryPolicy(scope, "policy", { statements: [replication] })));
    const foreign = { Statement: [replication, { Sid: "PullThroughFromSecurity", Effect: "Allow" }, { Effect: "Allow" }] };
    const result = standIns.bash(command, { STAND_IN_REGISTRY_POLICY: JSON.stringify(foreign) });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      "The registry policy of this account has statements this stack would replace: PullThroughFromSecurity, (a statement without Sid). " +
        "Add them to registry.policy.additionalStatements (they are kept), then deploy again. Nothing changed.",
    );
  });

  test("any other error reading the policy (access denied) stops it too", () => {
    const command = commandOf(synth((scope) => new RegistryPolicy(scope, "policy", { statements: [replication] })));
    expect(standIns.bash(command, { STAND_IN_FAIL_MATCH: "get-registry-policy" }).status).not.toBe(0);
  });

  test("refuses what ECR would reject when applied: actions of another service, Sids twice", () => {
    const read = { ...replication, Sid: "Read", Action: "s3:GetObject" };
    synth((scope) =>
      expect(() => new RegistryPolicy(scope, "p", { statements: [read, replication, replication] })).toThrow(
        /Sid "ReplicationFromBackup" is used twice; Read: a registry policy holds ECR actions only, not s3:GetObject/,
      ),
    );
  });

  test("takes any ECR action: the V2 registry policy scope, every registry's default, enforces them all", () => {
    const pull = { ...replication, Sid: "Pull", Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:Describe*"] };
    const json = synth((scope) => new RegistryPolicy(scope, "p", { statements: [pull] }));
    expect(JSON.parse(resourcesIn(json, "aws_ecr_registry_policy")[0].policy as string).Statement[0].Action).toEqual(pull.Action);
  });
});

describe("the stack and the registry's singletons", () => {
  const shared = (patch: Record<string, unknown> = {}) => environmentFrom(merge(readShipped("shared"), patch), "shared");
  const removedFrom = (json: Record<string, unknown>) => ((json.removed ?? []) as { from: string }[]).map((r) => r.from);

  test("not managed (the default): the scanning configuration is forgotten, never destroyed, whatever an earlier version did", () => {
    const json = synthStackJson(shared());
    expect(json.resource).not.toHaveProperty("aws_ecr_registry_scanning_configuration");
    expect(removedFrom(json)).toEqual(
      expect.arrayContaining(["aws_ecr_registry_scanning_configuration.mirror_scanning_AE031D0F", "aws_ecr_registry_scanning_configuration.registry_scanning"]),
    );
  });

  test("managed: one rule over this stack's repositories (the mirror's prefixes, the image repository) and the account's others", () => {
    const json = synthStackJson(shared({ registry: { scanning: { manage: true, scanType: "ENHANCED", additionalFilters: ["team-a/*"] } } })) as {
      resource: Record<string, Record<string, { rule: { repository_filter: { filter: string }[] }[] }>>;
      moved: unknown[];
    };
    const configuration = json.resource.aws_ecr_registry_scanning_configuration[RETAINED.registryScanning.name];
    expect(configuration.rule[0].repository_filter.map((f) => f.filter)).toEqual(["docker-hub/*", "ecr-public/*", "mirror/*", "docker-builds-shared", "team-a/*"]);
    expect(json.moved).toEqual(
      expect.arrayContaining([{ from: "aws_ecr_registry_scanning_configuration.mirror_scanning_AE031D0F", to: "aws_ecr_registry_scanning_configuration.registry_scanning" }]),
    );
  });

  test("the registry policy holds the mirror's statements and the account's own; without sharing, only the account's", () => {
    const withOwn = synthStackJson(shared({ registry: { policy: { additionalStatements: [replication] } } })) as {
      resource: Record<string, Record<string, { policy: string }>>;
    };
    const statements = JSON.parse(withOwn.resource.aws_ecr_registry_policy[RETAINED.registryPolicy.name].policy).Statement.map((s: { Sid: string }) => s.Sid);
    expect(statements).toEqual(["ImportThroughCacheFromAccounts", "ReplicationFromBackup"]);
    const dev = synthStackJson(environmentFrom(merge(readShipped("dev"), { registry: { policy: { additionalStatements: [replication] } } }), "dev")) as typeof withOwn;
    expect(JSON.parse(dev.resource.aws_ecr_registry_policy[RETAINED.registryPolicy.name].policy).Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
      "ReplicationFromBackup",
    ]);
    expect(synthStackJson(environmentFrom(readShipped("dev"), "dev")).resource).not.toHaveProperty("aws_ecr_registry_policy");
  });

  test("a teardown forgets the scanning configuration, and a registry policy that holds the account's own statements", () => {
    const teardown = (patch: Record<string, unknown>) => removedFrom(JSON.parse(Testing.synth(new TeardownStack(Testing.app(), "shared", shared(patch)))));
    expect(teardown({})).toEqual(expect.arrayContaining(["aws_ecr_registry_scanning_configuration.registry_scanning"]));
    expect(teardown({})).not.toContain("aws_ecr_registry_policy.registry_policy");
    expect(teardown({ registry: { policy: { additionalStatements: [replication] } } })).toContain("aws_ecr_registry_policy.registry_policy");
  });
});
