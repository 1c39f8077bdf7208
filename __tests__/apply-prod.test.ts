/**
 * prod, deployed into the AWS API emulator (its own account, 222222222222):
 * a first deploy that fails half-way and a rerun that converges, NAT gateway
 * layouts changed on a deployed network, and strategy flips that forget
 * allow-listed addresses rather than release them.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Strategy } from "../config";
import { reviewEnvironments } from "../review/run";
import { StateJson } from "../terraform";
import { stateWith } from "./support/recorded-state";
import { APPLY_TIMEOUT, Deployment, describeWithEmulator, expectRefused, printCoverageAfterAll } from "./support/apply";
import { Emulator, startEmulator } from "./support/emulator";
import { EmulatorReader, secretValueReads } from "./support/emulator-reads";
import { environmentFrom, merge, readShipped, synthStackJson } from "./support/environments";
import { FaultProxy, faultProxy } from "./support/fault-proxy";
import { legacyTokenParameters } from "./support/legacy-state";

const CANARY = "dckr_pat_PRODCANARY0123456789abcdefg";

printCoverageAfterAll("prod");

describeWithEmulator("prod, deployed into the emulator: a failed first deploy, NAT gateway layouts, strategy flips", () => {
  const region = "us-east-1";
  const environment = (patch: Record<string, unknown> = {}) => environmentFrom(merge(readShipped("prod"), patch), "prod");
  const tokenParameter = environment().dockerHub.parameterPrefix + "/token";
  let emulator: Emulator;
  let proxy: FaultProxy;
  let deployment: Deployment;
  let read: EmulatorReader;
  const allocated = new Set<string>();

  beforeAll(async () => {
    emulator = await startEmulator("222222222222");
    proxy = await faultProxy(emulator.endpoint, "CreateRoute");
    proxy.failing = false;
    deployment = await Deployment.start(emulator, "prod", region, { endpoint: proxy.endpoint });
    read = new EmulatorReader(emulator, region);
  }, APPLY_TIMEOUT);
  afterAll(async () => {
    read?.destroy();
    await proxy?.stop();
    await emulator?.stop();
    deployment?.remove();
  });

  const deploy = async (patch: Record<string, unknown> = {}) => {
    await deployment.deploy(synthStackJson(environment(patch)));
    expect(await deployment.pendingChanges()).toEqual([]);
    for (const id of await read.elasticIps()) allocated.add(id);
  };
  const eipsInState = () => deployment.addresses().filter((address) => address.startsWith("aws_eip."));
  const expectNoAddressReleased = async () => expect(await read.elasticIps()).toEqual([...allocated].sort());

  test("a first deploy that fails half-way (routes refused) and a rerun that converges: one NAT gateway, one Elastic IP; its plans read no secret", async () => {
    proxy.failing = true;
    await expectRefused(deployment.deploy(synthStackJson(environment()), { dockerhub_token: CANARY }), /CreateRoute refused on purpose/);
    expect(proxy.injected).toBeGreaterThan(0);
    // Half-way: the NAT gateway and its address exist, the routes to it do not.
    expect(await read.natGateways()).toHaveLength(1);
    expect(deployment.addresses().filter((a) => a.startsWith("aws_route."))).toEqual([]);

    proxy.failing = false;
    await deployment.deploy(synthStackJson(environment()));
    // A refreshing plan (a pull request's) reads no secret value: not the token, not through the customer key.
    await emulator.record();
    expect(await deployment.pendingChanges()).toEqual([]);
    expect(secretValueReads(await emulator.recorded())).toEqual([]);
    for (const id of await read.elasticIps()) allocated.add(id);
    expect(await read.natGateways()).toHaveLength(1);
    expect(await read.elasticIps()).toHaveLength(1);
    expect(eipsInState()).toEqual(["aws_eip.egress_ip_0"]);
    const [nat] = await read.natGateways();
    expect(nat.allocationIds).toEqual([deployment.attributes("aws_eip.egress_ip_0").allocation_id]);
    expect((await read.parameter(tokenParameter))?.value).toBe(CANARY);
  }, APPLY_TIMEOUT);

  test("the review of a strategy flip, offline against the state this deploy recorded: forgets and destroys first, in bold", async () => {
    // The project as a user has it after that deploy: prod with local state (no CI roles), flipped to mirror alone.
    const project = fs.mkdtempSync(path.join(os.tmpdir(), "review-recorded-"));
    const { deploy: _ciRoles, state: _remote, ...byHand } = readShipped("prod");
    fs.mkdirSync(path.join(project, "environments"));
    fs.writeFileSync(path.join(project, "environments", "prod.json"), JSON.stringify({ ...byHand, strategy: "mirror", state: { backend: "local", path: "prod.tfstate" } }));
    // The recorded state, and the token parameters an earlier version of this stack held as resources.
    const recorded = deployment.state()!;
    const legacy = stateWith(legacyTokenParameters(environment())).resources as StateJson["resources"];
    fs.writeFileSync(path.join(project, "prod.tfstate"), JSON.stringify({ ...recorded, resources: [...recorded.resources, ...legacy] }));
    try {
      const { reviews, failures } = await reviewEnvironments({ projectRoot: project, outdir: path.join(project, "cdktf.out"), offline: true, log: () => undefined });
      expect(failures).toEqual([]);
      const [review] = reviews;
      expect(review.plannedFrom).toEqual({ source: "recorded", where: "prod.tfstate" });
      expect(review.forgotten).toEqual([
        "aws_eip.egress_ip_0",
        "aws_ssm_parameter.dockerhub_token",
        "aws_ssm_parameter.dockerhub_username",
        "terraform_data.dockerhub_credentials",
      ]);
      expect(review.destroyed).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_nat_gateway\./), expect.stringMatching(/^aws_vpc\./)]));
      expect(review.destroyed.some((address) => address.startsWith("aws_eip."))).toBe(false);
      const page = fs.readFileSync(path.join(project, "cdktf.out", "review", "prod.md"), "utf8").split("\n");
      // Right under the heading: the destroys, then the forgets, in bold, before any table.
      expect(page[2]).toMatch(/^\*\*:warning: \d+ to destroy, 0 to replace\. Read these before approving:\*\*$/);
      const forgets = page.indexOf("**4 resources to forget: Terraform stops managing them, and they stay in AWS (and on the bill):**");
      expect(forgets).toBeGreaterThan(2);
      expect(page.slice(forgets + 2, forgets + 6)).toEqual([
        "- **forget `aws_eip.egress_ip_0`** (an Elastic IP others may have allow-listed)",
        "- **forget `aws_ssm_parameter.dockerhub_token`** (the SSM parameter holding the Docker Hub token)",
        "- **forget `aws_ssm_parameter.dockerhub_username`** (the SSM parameter holding the Docker Hub username)",
        "- **forget `terraform_data.dockerhub_credentials`** (the record that stored the Docker Hub credentials in SSM; they stay there)",
      ]);
      expect(page.findIndex((line) => line.startsWith("|"))).toBeGreaterThan(forgets);
      const comment = fs.readFileSync(path.join(project, "cdktf.out", "review", "comment.md"), "utf8");
      expect(comment).toMatch(new RegExp(`\\| prod \\| \\d+ \\| \\d+ \\| 0 \\| \\*\\*${review.counts.delete}\\*\\* \\| \\*\\*4\\*\\* \\| .* \\| recorded \\(not refreshed\\) \\|`));
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  }, APPLY_TIMEOUT);

  test('natGateways "single" to "per-az" on the deployed network: a second NAT gateway and address; the first address stays', async () => {
    const first = deployment.attributes("aws_eip.egress_ip_0").allocation_id;
    await deploy({ network: { natGateways: "per-az" } });
    expect(eipsInState()).toEqual(["aws_eip.egress_ip_0", "aws_eip.egress_ip_1"]);
    expect(deployment.attributes("aws_eip.egress_ip_0").allocation_id).toBe(first);
    expect(await read.natGateways()).toHaveLength(2);
    await expectNoAddressReleased();
  }, APPLY_TIMEOUT);

  test('and back to "single": the second NAT gateway goes, its address is forgotten, still allocated', async () => {
    await deploy({ network: { natGateways: "single" } });
    expect(eipsInState()).toEqual(["aws_eip.egress_ip_0"]);
    expect(await read.natGateways()).toHaveLength(1);
    expect(allocated.size).toBe(2);
    await expectNoAddressReleased();
  }, APPLY_TIMEOUT);

  test("flip to mirror alone, then back: the addresses are forgotten, and fixed-ip comes back with a new one, as documented", async () => {
    await deploy({ strategy: ["mirror"] satisfies Strategy[] });
    expect(eipsInState()).toEqual([]);
    expect(await read.natGateways()).toEqual([]);
    await expectNoAddressReleased();
    expect((await read.parameter(tokenParameter))?.value).toBe(CANARY);

    const before = new Set(allocated);
    await deploy();
    const created = deployment.attributes("aws_eip.egress_ip_0").allocation_id as string;
    expect(before.has(created)).toBe(false);
    expect(allocated.size).toBe(3);
    await expectNoAddressReleased();
    // The mirror's secret is forgotten, not deleted.
    expect(deployment.addresses()).not.toContain("aws_secretsmanager_secret.dockerhub_mirror");
    expect((await read.secret("ecr-pullthroughcache/docker-builds-prod-docker-hub")).value).toEqual({ username: "exampleteam", accessToken: "UNSET" });
  }, APPLY_TIMEOUT);
});
