/**
 * Fixed-IP egress through the real provider: your own VPC, your own Elastic
 * IPs, and what later plans do to addresses a deploy created (plans against
 * a recorded state).
 */
import { Environment } from "../config";
import { RETAINED } from "../stacks";
import { environmentFrom, merge, readShipped, synthStackJson } from "./support/environments";
import { afterOf, cleanUpPlansAfterAll, ConfigurationGraph, describeWithTerraform, PLAN_TIMEOUT, rolePolicy, startPlan } from "./support/plans";
import { changesOf } from "../terraform";
import { ExistingResource } from "./support/recorded-state";

cleanUpPlansAfterAll();

const SUBNETS = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"];
const ALLOCATIONS = ["eipalloc-0123456789abcdef0", "eipalloc-0123456789abcdef1"];

describeWithTerraform("your own VPC, your own Elastic IPs", () => {
  const existingVpc = environmentFrom(
    { ...readShipped("dev"), strategy: ["authenticated", "fixed-ip"], network: { vpc: "existing", vpcId: "vpc-0123456789abcdef0", privateSubnetIds: SUBNETS, egressPorts: [443] } },
    "dev",
  );
  const ownIps = environmentFrom(
    merge(readShipped("prod"), { network: { natGateways: "per-az", elasticIps: { allocationIds: ALLOCATIONS } } }),
    "prod",
  );
  const existingVpcPlan = startPlan("existing-vpc", synthStackJson(existingVpc));
  const ownIpsPlan = startPlan("own-ips", synthStackJson(ownIps));

  test("an existing VPC: nothing but the security group is created in it; CodeBuild uses exactly its subnets", async () => {
    const { plan } = await existingVpcPlan;
    expect(plan.errored).toBe(false);
    for (const type of ["aws_vpc", "aws_subnet", "aws_nat_gateway", "aws_eip", "aws_route_table"]) expect(afterOf(plan, type)).toEqual([]);
    const [project] = afterOf(plan, "aws_codebuild_project");
    expect(project.vpc_config).toEqual([expect.objectContaining({ vpc_id: "vpc-0123456789abcdef0", subnets: SUBNETS })]);
    expect(afterOf(plan, "aws_vpc_security_group_egress_rule")).toEqual([
      expect.objectContaining({ ip_protocol: "tcp", from_port: 443, to_port: 443, cidr_ipv4: "0.0.0.0/0" }),
    ]);
    expect(afterOf(plan, "aws_vpc_security_group_ingress_rule")).toEqual([]);
    // Known subnets, so the whole condition is known at plan time.
    const authorize = rolePolicy(plan, "docker-builds-dev-build", "build-network-interfaces").find((s) => s.Sid === "AuthorizeCodeBuildNetworkInterfaces")!;
    expect(authorize.Condition).toEqual({
      StringEquals: {
        "ec2:Subnet": SUBNETS.map((id) => `arn:aws:ec2:eu-west-1:111111111111:subnet/${id}`),
        "ec2:AuthorizedService": "codebuild.amazonaws.com",
      },
    });
  }, PLAN_TIMEOUT);

  test("your own Elastic IPs: none created, one per NAT gateway, and the outputs give the NAT gateways' addresses", async () => {
    const { plan } = await ownIpsPlan;
    expect(plan.errored).toBe(false);
    expect(afterOf(plan, "aws_eip")).toEqual([]);
    expect(afterOf(plan, "aws_nat_gateway").map((nat) => nat.allocation_id).sort()).toEqual(ALLOCATIONS);
    const graph = new ConfigurationGraph(plan);
    expect(graph.outputReferences("egress_public_ips")).toEqual(graph.ofType("aws_nat_gateway").map((nat) => nat.address));
  }, PLAN_TIMEOUT);
});

describeWithTerraform("a deployed environment: Elastic IPs others have allow-listed are never released by a config change", () => {
  /** An Elastic IP as a deploy recorded it. */
  const deployedIp = (environment: Environment, zone: number): ExistingResource => ({
    type: RETAINED.egressIp(zone).type,
    name: RETAINED.egressIp(zone).name,
    attributes: {
      id: `eipalloc-00000000000000${zone}0`,
      allocation_id: `eipalloc-00000000000000${zone}0`,
      arn: `arn:aws:ec2:${environment.region}:${environment.accountId}:elastic-ip/eipalloc-00000000000000${zone}0`,
      domain: "vpc",
      vpc: true,
      public_ip: `203.0.113.${10 + zone}`,
      public_dns: `ec2-203-0-113-${10 + zone}.compute-1.amazonaws.com`,
      network_border_group: environment.region,
      public_ipv4_pool: "amazon",
      tags: null,
      tags_all: environment.tags,
    },
  });
  const prod = environmentFrom(readShipped("prod"), "prod");
  const deployed = [deployedIp(prod, 0), deployedIp(prod, 1)]; // as if the NAT gateways had been per zone
  const plan = (label: string, environment: Environment, options: { destroy?: boolean } = {}) =>
    startPlan(label, synthStackJson(environment), { existing: deployed, ...options });

  const single = plan("prod-single", prod);
  const authenticatedOnly = plan("prod-authenticated-only", environmentFrom({ ...readShipped("prod"), strategy: "authenticated" }, "prod"));
  const releasing = plan(
    "prod-releasing",
    environmentFrom(merge({ ...readShipped("prod"), strategy: "authenticated" }, { network: { elasticIps: { removalPolicy: "destroy" } } }), "prod"),
  );
  const destroying = plan("prod-destroy", prod, { destroy: true });
  const actionsOf = async (planned: typeof single) =>
    Object.fromEntries(changesOf((await planned).plan, "aws_eip").map((change) => [change.name, change.change.actions]));

  test("fewer NAT gateways: the address the config still uses stays, the other is forgotten, not released", async () => {
    const actions = await actionsOf(single);
    expect(actions[RETAINED.egressIp(1).name]).toEqual(["forget"]);
    expect(actions[RETAINED.egressIp(0).name]).not.toContain("delete");
  }, PLAN_TIMEOUT);

  test("switching strategy away from fixed-ip forgets every address; nothing is released", async () => {
    const actions = await actionsOf(authenticatedOnly);
    expect(actions).toEqual({ [RETAINED.egressIp(0).name]: ["forget"], [RETAINED.egressIp(1).name]: ["forget"] });
  }, PLAN_TIMEOUT);

  test('releasing is a deliberate step: with removalPolicy "destroy" the same switch deletes them', async () => {
    expect(await actionsOf(releasing)).toEqual({ [RETAINED.egressIp(0).name]: ["delete"], [RETAINED.egressIp(1).name]: ["delete"] });
  }, PLAN_TIMEOUT);

  test("even `cdktf destroy` cannot release an address in use: prevent_destroy fails the plan", async () => {
    await expect(destroying).rejects.toThrow(/Instance cannot be destroyed[\s\S]*aws_eip\.egress_ip_0/);
  }, PLAN_TIMEOUT);
});
