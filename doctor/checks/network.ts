/**
 * Fixed IP: builds leave through NAT gateways that hold the Elastic IPs the
 * stack output (`egress_public_ips`, what others allow-list), every private
 * subnet's default route goes to one of them, and the CodeBuild project runs
 * in those subnets. With an existing VPC (`network.vpc: "existing"`), the
 * stack outputs no addresses: the NAT gateways the subnets route to are the
 * egress, and the report names their addresses.
 */
import { BatchGetProjectsCommand, Project } from "@aws-sdk/client-codebuild";
import { Address, DescribeAddressesCommand, DescribeNatGatewaysCommand, DescribeRouteTablesCommand, NatGateway, RouteTable } from "@aws-sdk/client-ec2";
import { Environment, usesStrategy } from "../../config/environment";
import { CheckResult, fail, guarded, ok, warn } from "../check";
import { deployCommand, DoctorContext } from "../context";
import { stringList } from "../outputs";

const AREA = "network";
const DEFAULT_ROUTE = "0.0.0.0/0";

/** The network checks, when the environment uses the fixed-ip strategy. */
export async function networkChecks(context: DoctorContext): Promise<CheckResult[]> {
  if (!usesStrategy(context.environment, "fixed-ip")) return [];
  const { project, failure } = await readProject(context);
  const target = await expectedNetwork(context, project);
  if ("problem" in target) {
    const missing = !failure && !project ? [fail("network.project", AREA, `the CodeBuild project ${context.environment.build.projectName} does not exist`, `${deployCommand(context.environment)}: it creates the project`)] : [];
    return [fail("network.outputs", AREA, target.problem, target.fix), ...(failure ?? missing)];
  }
  const routed: string[] = [];
  return [
    ...(await guarded("network.routes", AREA, "read the private subnets' route tables", () => routes(context, target, routed))),
    ...(await guarded("network.nat-gateways", AREA, "read the NAT gateways", () => natGateways(context, target, routed))),
    ...(failure ?? [projectAttachment(context, project, target)]),
  ];
}

/** What the network should be: from the stack's outputs (new VPC) or the config (existing VPC). */
interface ExpectedNetwork {
  readonly vpcId?: string;
  readonly subnetIds: readonly string[];
  /** The stack's NAT gateways (new VPC); undefined: whichever the subnets route to (existing VPC). */
  readonly natGatewayIds?: readonly string[];
  /** The addresses others allow-list (new VPC's output); undefined with an existing VPC. */
  readonly egressIps?: readonly string[];
  /** Where the expectations come from, for messages. */
  readonly from: string;
}

async function expectedNetwork(context: DoctorContext, project: Project | undefined): Promise<ExpectedNetwork | { problem: string; fix: string }> {
  const { environment } = context;
  const network = environment.network;
  if (network.vpc === "existing") {
    return { vpcId: network.vpcId, subnetIds: network.privateSubnetIds, from: `network.privateSubnetIds in ${environment.file}` };
  }
  const source = await context.outputs();
  const subnetIds = stringList(source.outputs, "private_subnet_ids");
  const egressIps = stringList(source.outputs, "egress_public_ips");
  const natGatewayIds = stringList(source.outputs, "nat_gateway_ids");
  if (subnetIds && egressIps && natGatewayIds) {
    const vpcId = source.outputs?.vpc_id;
    return { ...(typeof vpcId === "string" ? { vpcId } : {}), subnetIds, egressIps, natGatewayIds, from: `the stack's outputs (${source.where})` };
  }
  const why = source.outputs ? `the stack's outputs (${source.where}) have no egress_public_ips, nat_gateway_ids or private_subnet_ids` : source.problem!;
  if (project?.vpcConfig?.subnets?.length) {
    // Without the outputs, the project's own subnets are the next best thing; the addresses cannot be compared.
    return { ...(project.vpcConfig.vpcId ? { vpcId: project.vpcConfig.vpcId } : {}), subnetIds: project.vpcConfig.subnets, from: `the project's VPC configuration (${why})` };
  }
  return { problem: `cannot tell which network builds should use: ${why}`, fix: `${deployCommand(environment)}, then run the doctor again` };
}

/** The build project (undefined when it does not exist), or the failed line when it cannot be read. */
async function readProject(context: DoctorContext): Promise<{ project?: Project; failure?: CheckResult[] }> {
  const name = context.environment.build.projectName;
  try {
    const { projects = [] } = await context.clients.codebuild.send(new BatchGetProjectsCommand({ names: [name] }));
    return { project: projects.find((p) => p.name === name) };
  } catch (error) {
    return { failure: await guarded("network.project", AREA, `read the CodeBuild project ${name}`, () => Promise.reject(error)) };
  }
}

/** Each private subnet's default route: present, active, to a NAT gateway (the stack's, with a new VPC). Fills `routed`. */
async function routes(context: DoctorContext, target: ExpectedNetwork, routed: string[]): Promise<CheckResult[]> {
  const { environment } = context;
  const problems: string[] = [];
  for (const subnetId of target.subnetIds) {
    const table = await routeTableOf(context, subnetId, target.vpcId);
    if (!table) {
      problems.push(`subnet ${subnetId} has no route table`);
      continue;
    }
    const route = table.Routes?.find((r) => r.DestinationCidrBlock === DEFAULT_ROUTE);
    const where = `subnet ${subnetId} (${table.RouteTableId})`;
    if (!route) problems.push(`${where} has no default route (${DEFAULT_ROUTE}): builds there reach nothing outside the VPC`);
    else if (route.State === "blackhole") problems.push(`${where} routes ${DEFAULT_ROUTE} to ${route.NatGatewayId ?? "a target"} that no longer exists (blackhole)`);
    else if (!route.NatGatewayId) problems.push(`${where} routes ${DEFAULT_ROUTE} to ${route.GatewayId ?? route.NetworkInterfaceId ?? "something"}, not a NAT gateway: builds there leave from no fixed address`);
    else if (target.natGatewayIds && !target.natGatewayIds.includes(route.NatGatewayId)) {
      problems.push(`${where} routes ${DEFAULT_ROUTE} to ${route.NatGatewayId}, not to the stack's NAT gateway${target.natGatewayIds.length > 1 ? "s" : ""} (${target.natGatewayIds.join(", ")})`);
    } else routed.push(route.NatGatewayId);
  }
  if (problems.length > 0) {
    const fix =
      environment.network.vpc === "new"
        ? `${deployCommand(environment)}: the plan restores the missing route`
        : `give each subnet in network.privateSubnetIds a default route (${DEFAULT_ROUTE}) to a NAT gateway`;
    return [fail("network.routes", AREA, problems.join("; "), fix)];
  }
  const nats = [...new Set(routed)];
  return [ok("network.routes", AREA, `the private subnets ${target.subnetIds.join(", ")} route ${DEFAULT_ROUTE} to ${nats.join(", ")}`)];
}

/** The subnet's route table: the one associated with it, else its VPC's main table. */
async function routeTableOf(context: DoctorContext, subnetId: string, vpcId: string | undefined): Promise<RouteTable | undefined> {
  const { RouteTables = [] } = await context.clients.ec2.send(
    new DescribeRouteTablesCommand({ Filters: [{ Name: "association.subnet-id", Values: [subnetId] }] }),
  );
  if (RouteTables.length > 0) return RouteTables[0];
  if (!vpcId) return undefined;
  const main = await context.clients.ec2.send(
    new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }, { Name: "association.main", Values: ["true"] }] }),
  );
  return main.RouteTables?.[0];
}

/**
 * The NAT gateways are available and hold exactly the output's Elastic IPs,
 * each still associated with a NAT gateway's interface. With an existing VPC:
 * the NAT gateways the subnets route to are available, and their addresses are named.
 */
async function natGateways(context: DoctorContext, target: ExpectedNetwork, routed: readonly string[]): Promise<CheckResult[]> {
  const { environment, clients } = context;
  const ids = target.natGatewayIds ?? [...new Set(routed)];
  if (ids.length === 0) {
    return [fail("network.nat-gateways", AREA, "no NAT gateway found for the private subnets", `give each private subnet a default route to a NAT gateway, or ${deployCommand(environment)}`)];
  }
  const { NatGateways = [] } = await clients.ec2.send(new DescribeNatGatewaysCommand({ Filter: [{ Name: "nat-gateway-id", Values: [...ids] }] }));
  const results: CheckResult[] = [];
  const unavailable = ids.flatMap((id) => {
    const nat = NatGateways.find((n) => n.NatGatewayId === id);
    if (!nat) return [`${id} does not exist`];
    if (nat.State !== "available") return [`${id} is ${nat.State}${nat.FailureMessage ? ` (${nat.FailureMessage})` : ""}`];
    return [];
  });
  if (unavailable.length > 0) {
    results.push(fail("network.nat-gateways", AREA, `NAT gateway ${unavailable.join("; ")}`, `${deployCommand(environment)}: the plan replaces a NAT gateway that is gone or failed`));
  } else {
    results.push(ok("network.nat-gateways", AREA, `NAT gateway${ids.length > 1 ? "s" : ""} ${ids.join(", ")} ${ids.length > 1 ? "are" : "is"} available`));
  }
  const held = NatGateways.filter((n) => ids.includes(n.NatGatewayId ?? ""));
  if (!target.egressIps) {
    const addresses = held.flatMap((n) => (n.NatGatewayAddresses ?? []).map((a) => a.PublicIp)).filter(Boolean);
    const source = environment.network.vpc === "existing" ? "your NAT gateways: allow-list these" : `${target.from}: compare them with what you allow-listed`;
    results.push(warn("network.elastic-ips", AREA, `builds leave from ${addresses.join(", ") || "no public address"} (${source})`));
    return results;
  }
  const { Addresses = [] } = await clients.ec2.send(new DescribeAddressesCommand({}));
  results.push(elasticIps(environment, target.egressIps, held, Addresses));
  return results;
}

/** Every output address is an Elastic IP attached to one of the stack's NAT gateways, and they leave from no other. */
function elasticIps(environment: Environment, expected: readonly string[], nats: readonly NatGateway[], addresses: readonly Address[]): CheckResult {
  const id = "network.elastic-ips";
  const interfaces = new Map<string, string>();
  for (const nat of nats) for (const a of nat.NatGatewayAddresses ?? []) if (a.NetworkInterfaceId) interfaces.set(a.NetworkInterfaceId, nat.NatGatewayId!);
  const problems: string[] = [];
  const attached: string[] = [];
  for (const ip of expected) {
    const address = addresses.find((a) => a.PublicIp === ip);
    if (!address) {
      problems.push(`${ip} is no longer an Elastic IP of account ${environment.accountId} (released?)`);
      continue;
    }
    const nat = address.NetworkInterfaceId ? interfaces.get(address.NetworkInterfaceId) : undefined;
    if (!address.AssociationId || !nat) {
      const holder = address.AssociationId ? `is attached to ${address.NetworkInterfaceId ?? address.InstanceId ?? "something else"}` : "is attached to nothing";
      problems.push(`Elastic IP ${ip} (${address.AllocationId}) ${holder}, not to the stack's NAT gateway: builds do not leave from it`);
    } else attached.push(`${ip} (${address.AllocationId}, on ${nat})`);
  }
  for (const nat of nats) {
    for (const a of nat.NatGatewayAddresses ?? []) {
      if (a.PublicIp && !expected.includes(a.PublicIp)) {
        problems.push(`NAT gateway ${nat.NatGatewayId} leaves from ${a.PublicIp} (${a.AllocationId}), which is not in the stack's egress_public_ips (${expected.join(", ")})`);
      }
    }
  }
  if (problems.length > 0) {
    return fail(id, AREA, problems.join("; "), `${deployCommand(environment)}: the plan puts the NAT gateway back on the Elastic IP of egress_public_ips (the address others allow-listed)`);
  }
  return ok(id, AREA, `builds leave from ${attached.join(", ")}: the stack's egress_public_ips`);
}

/** The project runs in the expected private subnets (and VPC): else its builds leave from CodeBuild's shared addresses. */
function projectAttachment(context: DoctorContext, project: Project | undefined, target: ExpectedNetwork): CheckResult {
  const { environment } = context;
  const id = "network.project";
  const name = environment.build.projectName;
  if (!project) return fail(id, AREA, `the CodeBuild project ${name} does not exist`, `${deployCommand(environment)}: it creates the project`);
  const subnets = project.vpcConfig?.subnets ?? [];
  if (subnets.length === 0) {
    return fail(id, AREA, `the CodeBuild project ${name} is not attached to a VPC: its builds leave from CodeBuild's shared addresses`, `${deployCommand(environment)}: it attaches the project to the private subnets`);
  }
  const expected = [...target.subnetIds].sort();
  const actual = [...subnets].sort();
  if (expected.join(",") !== actual.join(",") || (target.vpcId && project.vpcConfig?.vpcId !== target.vpcId)) {
    return fail(
      id,
      AREA,
      `the CodeBuild project ${name} runs in ${project.vpcConfig?.vpcId ?? "a VPC"} subnets ${actual.join(", ")}, not in the private subnets ${expected.join(", ")} (${target.from})`,
      `${deployCommand(environment)}: it attaches the project to the private subnets`,
    );
  }
  return ok(id, AREA, `the CodeBuild project ${name} runs in the private subnets ${actual.join(", ")}`);
}

/**
 * The addresses builds should leave from, for the smoke build to compare its
 * egress with: the output's Elastic IPs, or (existing VPC) those of the NAT
 * gateways the subnets route to. Undefined when neither can be read.
 */
export async function expectedEgressIps(context: DoctorContext): Promise<{ ips: string[]; from: string } | undefined> {
  const { environment, clients } = context;
  if (!usesStrategy(environment, "fixed-ip")) return undefined;
  const network = environment.network;
  if (network.vpc === "new") {
    const source = await context.outputs();
    const ips = stringList(source.outputs, "egress_public_ips");
    return ips ? { ips, from: "the stack's egress_public_ips" } : undefined;
  }
  const nats = new Set<string>();
  for (const subnetId of network.privateSubnetIds) {
    const table = await routeTableOf(context, subnetId, network.vpcId);
    const nat = table?.Routes?.find((r) => r.DestinationCidrBlock === DEFAULT_ROUTE)?.NatGatewayId;
    if (nat) nats.add(nat);
  }
  if (nats.size === 0) return undefined;
  const { NatGateways = [] } = await clients.ec2.send(new DescribeNatGatewaysCommand({ Filter: [{ Name: "nat-gateway-id", Values: [...nats] }] }));
  const ips = NatGateways.flatMap((n) => (n.NatGatewayAddresses ?? []).map((a) => a.PublicIp ?? "")).filter(Boolean);
  return { ips, from: "the addresses of the NAT gateways the private subnets route to" };
}
