/** Fixed-IP egress: CIDR layout (property-based), its config, the network construct, and CodeBuild in the VPC. */
import { CodebuildProject } from "@cdktf/provider-aws/lib/codebuild-project";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { Construct } from "constructs";
import * as fc from "fast-check";
import * as ipaddr from "ipaddr.js";
import { Problem } from "../config";
import { contains, formatCidr, isPrivate, overlaps, parseCidr } from "../aws/cidr";
import { defaultAvailabilityZones } from "../aws/regions";
import { DockerBuildProject, EgressNetwork } from "../constructs";
import { RETAINED } from "../stacks";
import { environmentFrom, merge, minimalFile, readShipped, resourcesIn, synthIn, synthStackJson } from "./support/environments";
import { problemsOf as problemsOfFile } from "./support/environments";

const synth = (build: (scope: Construct) => void) => synthIn("123456789012", "eu-west-1", build);
const resources = resourcesIn;

/** A random private block: a random address in an RFC 1918 range, its host bits cleared, prefix /16 to /24. */
const privateCidr = fc
  .tuple(
    fc.constantFrom(["10.0.0.0", 8], ["172.16.0.0", 12], ["192.168.0.0", 16]),
    fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    fc.integer({ min: 16, max: 24 }),
  )
  .map(([[base, basePrefix], random, prefix]) => {
    const range = parseCidr(`${base}/${basePrefix}`);
    const inRange = range.network + (random % 2 ** (32 - (basePrefix as number)));
    const network = prefix === 0 ? 0 : (inRange & ((0xffffffff << (32 - prefix)) >>> 0)) >>> 0;
    return formatCidr({ network: Math.max(network, range.network) >>> 0, prefix: Math.max(prefix, basePrefix as number) });
  });

describe("the subnet layout (property-based)", () => {
  test("for any private VPC block and 1 to 6 zones: subnets fit in the VPC, never overlap, and keep their place as zones are added", () => {
    fc.assert(
      fc.property(privateCidr, fc.integer({ min: 1, max: EgressNetwork.MAX_AVAILABILITY_ZONES }), (cidr, zones) => {
        const vpc = parseCidr(cidr);
        const layout = EgressNetwork.layout(cidr, zones);
        const subnets = [...layout.privateSubnets, ...layout.publicSubnets].map(parseCidr);
        expect(subnets).toHaveLength(2 * zones);
        for (const subnet of subnets) {
          expect(contains(vpc, subnet)).toBe(true);
          expect(subnet.prefix).toBe(vpc.prefix + EgressNetwork.SUBNET_NEWBITS);
          expect(subnet.prefix).toBeLessThanOrEqual(28); // AWS's smallest subnet
        }
        subnets.forEach((a, i) => subnets.slice(i + 1).forEach((b) => expect(overlaps(a, b)).toBe(false)));
        // One more zone adds subnets, and moves none.
        if (zones < EgressNetwork.MAX_AVAILABILITY_ZONES) {
          const more = EgressNetwork.layout(cidr, zones + 1);
          expect(more.privateSubnets.slice(0, zones)).toEqual(layout.privateSubnets);
          expect(more.publicSubnets.slice(0, zones)).toEqual(layout.publicSubnets);
        }
      }),
      { numRuns: 300 },
    );
  });

  test("isPrivate agrees with ipaddr.js about every address of random blocks", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (address) => {
        const text = formatCidr({ network: address >>> 0, prefix: 32 });
        const expected = ipaddr.IPv4.parse(text.split("/")[0]).range() === "private";
        expect(isPrivate(parseCidr(text))).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  test.each([
    ["10.0.0.0/33", /prefix length/],
    ["10.0.0.1/16", /host bits are set: the network address is 10.0.0.0\/16/],
    ["10.0.0/16", /not an IPv4 CIDR block/],
    ["256.0.0.0/16", /not an IPv4 CIDR block/],
    ["fd00::/48", /not an IPv4 CIDR block/],
  ])("parseCidr(%p) explains what is wrong", (text, message) => {
    expect(() => parseCidr(text)).toThrow(message);
  });
});

describe("network config", () => {
  const problemsOf = (patch: Record<string, unknown>): Problem[] => problemsOfFile(merge(minimalFile({ strategy: "fixed-ip" }), patch));

  test("defaults: a new /16 VPC in two zones of the region, one NAT gateway with a new Elastic IP, the S3 endpoint", () => {
    expect(environmentFrom(minimalFile({ strategy: "fixed-ip" })).network).toEqual({
      vpc: "new",
      cidr: EgressNetwork.DEFAULT_CIDR,
      availabilityZones: ["eu-west-1a", "eu-west-1b"],
      natGateways: "single",
      elasticIps: { removalPolicy: "retain" },
      egressPorts: "all",
      endpoints: { s3: true, ecr: false, logs: false },
    });
    expect(defaultAvailabilityZones("ap-northeast-1")).toEqual(["ap-northeast-1a", "ap-northeast-1c"]);
  });

  test("an existing VPC: only its id and private subnets", () => {
    const network = environmentFrom(
      merge(minimalFile({ strategy: "fixed-ip" }), {
        network: { vpc: "existing", vpcId: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0123456789abcdef0"] },
      }),
    ).network;
    expect(network).toEqual({
      vpc: "existing",
      vpcId: "vpc-0123456789abcdef0",
      privateSubnetIds: ["subnet-0123456789abcdef0"],
      egressPorts: "all",
    });
  });

  test.each<[string, Record<string, unknown>, string, RegExp]>([
    ["a public CIDR", { network: { cidr: "8.8.0.0/16" } }, "network.cidr", /must be private/],
    ["host bits set", { network: { cidr: "10.42.0.1/16" } }, "network.cidr", /host bits are set: the network address is 10.42.0.0\/16/],
    ["a /8 VPC", { network: { cidr: "10.0.0.0/8" } }, "network.cidr", /\/16 to \/24/],
    ["a /26 VPC", { network: { cidr: "10.0.0.0/26" } }, "network.cidr", /\/16 to \/24/],
    ["a malformed CIDR", { network: { cidr: "10.42/16" } }, "network.cidr", /not an IPv4 CIDR block/],
    ["a zone of another region", { network: { availabilityZones: ["eu-west-1a", "us-east-1b"] } }, "network.availabilityZones[1]", /not a zone of eu-west-1/],
    ["a zone listed twice", { network: { availabilityZones: ["eu-west-1a", "eu-west-1a"] } }, "network.availabilityZones[1]", /listed twice/],
    ["seven zones", { network: { availabilityZones: "abcdefg".split("").map((l) => `eu-west-1${l}`) } }, "network.availabilityZones", /1 to 6 zones/],
    ["not a zone name", { network: { availabilityZones: ["west"] } }, "network.availabilityZones[0]", /zone name such as eu-west-1a/],
    ["two Elastic IPs for one NAT gateway", { network: { elasticIps: { allocationIds: ["eipalloc-0123456789abcdef0", "eipalloc-0123456789abcdef1"] } } }, "network.elasticIps.allocationIds", /2 allocation ids for 1 NAT gateway \(natGateways "single" with 2 zones\)/],
    ["one Elastic IP for a NAT gateway per zone", { network: { natGateways: "per-az", elasticIps: { allocationIds: ["eipalloc-0123456789abcdef0"] } } }, "network.elasticIps.allocationIds", /1 allocation ids for 2 NAT gateways/],
    ["a bad allocation id", { network: { elasticIps: { allocationIds: ["eip-1"] } } }, "network.elasticIps.allocationIds[0]", /allocation id such as eipalloc-/],
    ["an unknown NAT layout", { network: { natGateways: "double" } }, "network.natGateways", /one of "single", "per-az"/],
    ["a bad port", { network: { egressPorts: [0] } }, "network.egressPorts[0]", /whole number from 1 to 65535/],
    ["ports as a word", { network: { egressPorts: "some" } }, "network.egressPorts", /"all" or a non-empty list of TCP ports/],
    ["an unknown vpc kind", { network: { vpc: "shared" } }, "network.vpc", /"vpc" to be "new" or "existing"/],
    ["an existing VPC without subnets", { network: { vpc: "existing", vpcId: "vpc-0123456789abcdef0", privateSubnetIds: [] } }, "network.privateSubnetIds", /at least one private subnet/],
    ["an existing VPC with a subnet twice", { network: { vpc: "existing", vpcId: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef0"] } }, "network.privateSubnetIds[1]", /listed twice/],
    ["an existing VPC without its id", { network: { vpc: "existing", privateSubnetIds: ["subnet-0123456789abcdef0"] } }, "network.vpcId", /missing \(required\)/],
    ["new-VPC fields on an existing VPC", { network: { vpc: "existing", vpcId: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0123456789abcdef0"], cidr: "10.0.0.0/16" } }, "network.cidr", /unknown field; allowed here: egressPorts, privateSubnetIds, vpc, vpcId/],
  ])("%s is refused", (_what, patch, field, message) => {
    const problems = problemsOf(patch);
    expect(problems.map((p) => p.path)).toContain(field);
    expect(problems.find((p) => p.path === field)?.message).toMatch(message);
  });
});

describe("EgressNetwork", () => {
  test('"single": one NAT gateway with one new Elastic IP; every private subnet routes to it', () => {
    const json = synth((scope) => new EgressNetwork(scope, "net", { availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"] }));
    expect(resources(json, "aws_nat_gateway")).toHaveLength(1);
    expect(resources(json, "aws_eip")).toEqual([{ domain: "vpc", lifecycle: { prevent_destroy: true } }]);
    const nat = Object.keys(JSON.parse(json).resource.aws_nat_gateway)[0];
    const privateRoutes = resources(json, "aws_route").filter((r) => r.nat_gateway_id);
    expect(privateRoutes.map((r) => r.nat_gateway_id)).toEqual(Array(3).fill(`\${aws_nat_gateway.${nat}.id}`));
    expect(json).toHaveResourceWithProperties(VpcEndpoint, { service_name: "com.amazonaws.eu-west-1.s3", vpc_endpoint_type: "Gateway" });
    expect(resources(json, "aws_subnet").map((s) => s.cidr_block)).toEqual(
      expect.arrayContaining(["10.42.0.0/20", "10.42.16.0/20", "10.42.32.0/20", "10.42.128.0/20", "10.42.144.0/20", "10.42.160.0/20"]),
    );
    for (const subnet of resources(json, "aws_subnet")) expect(subnet.map_public_ip_on_launch).toBe(false);
  });

  test('"per-az": a NAT gateway and Elastic IP per zone, each zone routing to its own', () => {
    const json = synth((scope) => new EgressNetwork(scope, "net", { availabilityZones: ["eu-west-1a", "eu-west-1b"], natGateways: "per-az" }));
    expect(resources(json, "aws_nat_gateway")).toHaveLength(2);
    expect(resources(json, "aws_eip")).toHaveLength(2);
    const routes = resources(json, "aws_route").filter((r) => r.nat_gateway_id).map((r) => r.nat_gateway_id);
    expect(new Set(routes).size).toBe(2);
  });

  test("existing Elastic IPs: none created, the NAT gateways use the given allocation ids", () => {
    const json = synth(
      (scope) =>
        new EgressNetwork(scope, "net", {
          availabilityZones: ["eu-west-1a", "eu-west-1b"],
          natGateways: "per-az",
          elasticIpAllocationIds: ["eipalloc-0123456789abcdef0", "eipalloc-0123456789abcdef1"],
        }),
    );
    expect(json).not.toHaveResource(Eip);
    expect(resources(json, "aws_nat_gateway").map((n) => n.allocation_id)).toEqual(["eipalloc-0123456789abcdef0", "eipalloc-0123456789abcdef1"]);
  });

  test('removal policy "destroy" drops prevent_destroy; pinned ids are used', () => {
    const json = synth(
      (scope) =>
        new EgressNetwork(scope, "net", {
          availabilityZones: ["eu-west-1a"],
          elasticIpRemovalPolicy: "destroy",
          elasticIpLogicalId: (zone) => `pinned_${zone}`,
        }),
    );
    expect(JSON.parse(json).resource.aws_eip).toEqual({ pinned_0: expect.not.objectContaining({ lifecycle: expect.anything() }) });
    expect(json).toHaveResourceWithProperties(NatGateway, { allocation_id: "${aws_eip.pinned_0.allocation_id}" });
  });

  test("interface endpoints in the private subnets, reachable on 443 from the VPC only", () => {
    const json = synth(
      (scope) => new EgressNetwork(scope, "net", { availabilityZones: ["eu-west-1a"], interfaceEndpoints: ["ecr.api", "ecr.dkr", "logs"] }),
    );
    const interfaces = resources(json, "aws_vpc_endpoint").filter((e) => e.vpc_endpoint_type === "Interface");
    expect(interfaces.map((e) => e.service_name)).toEqual([
      "com.amazonaws.eu-west-1.ecr.api",
      "com.amazonaws.eu-west-1.ecr.dkr",
      "com.amazonaws.eu-west-1.logs",
    ]);
    expect(resources(json, "aws_vpc_security_group_ingress_rule")).toEqual([
      expect.objectContaining({ ip_protocol: "tcp", from_port: 443, to_port: 443, cidr_ipv4: "10.42.0.0/16" }),
    ]);
  });

  test.each([
    [{ availabilityZones: [] }, /availabilityZones \[\]: expected 1 to 6 zones, got 0/],
    [{ availabilityZones: ["eu-west-1a"], elasticIpAllocationIds: ["a", "b"] }, /2 Elastic IP allocation ids for 1 NAT gateways/],
  ])("refuses inconsistent props %#", (props, message) => {
    expect(() => synth((scope) => new EgressNetwork(scope, "net", props))).toThrow(message);
  });
});

describe("CodeBuild in the VPC", () => {
  const vpc = { vpcId: "vpc-0123456789abcdef0", subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"] };
  const statements = (json: string, name: string) => {
    const policy = resources(json, "aws_iam_role_policy").find((p) => p.name === name)!;
    return JSON.parse(policy.policy as string).Statement as { Sid: string; Action: string | string[]; Resource: string | string[]; Condition?: unknown }[];
  };

  test("vpc_config with only the given subnets, and a security group with no ingress and all egress", () => {
    const json = synth((scope) => new DockerBuildProject(scope, "build", { projectName: "app", vpc }));
    expect(json).toHaveResourceWithProperties(CodebuildProject, {
      vpc_config: { vpc_id: vpc.vpcId, subnets: vpc.subnetIds, security_group_ids: [expect.stringMatching(/^\$\{aws_security_group\..*\.id\}$/)] },
    });
    expect(json).toHaveResourceWithProperties(SecurityGroup, { vpc_id: vpc.vpcId });
    expect(resources(json, "aws_security_group")[0]).not.toHaveProperty("ingress");
    expect(json).not.toHaveResource({ tfResourceType: "aws_vpc_security_group_ingress_rule" } as never);
    expect(json).toHaveResourceWithProperties(VpcSecurityGroupEgressRule, { ip_protocol: "-1", cidr_ipv4: "0.0.0.0/0" });
  });

  test("egress restricted to configured ports", () => {
    const json = synth((scope) => new DockerBuildProject(scope, "build", { projectName: "app", vpc: { ...vpc, egressPorts: [443, 80] } }));
    expect(resources(json, "aws_vpc_security_group_egress_rule").map((r) => [r.ip_protocol, r.from_port, r.to_port])).toEqual([
      ["tcp", 443, 443],
      ["tcp", 80, 80],
    ]);
  });

  test("the role may let CodeBuild use network interfaces only in the build subnets", () => {
    const json = synth((scope) => new DockerBuildProject(scope, "build", { projectName: "app", vpc }));
    const subnetArns = vpc.subnetIds.map((id) => `arn:aws:ec2:eu-west-1:123456789012:subnet/${id}`);
    const bySid = Object.fromEntries(statements(json, "build-network-interfaces").map((s) => [s.Sid, s]));
    expect(bySid.AuthorizeCodeBuildNetworkInterfaces).toEqual({
      Sid: "AuthorizeCodeBuildNetworkInterfaces",
      Effect: "Allow",
      Action: "ec2:CreateNetworkInterfacePermission",
      Resource: "arn:aws:ec2:eu-west-1:123456789012:network-interface/*",
      Condition: { StringEquals: { "ec2:Subnet": subnetArns, "ec2:AuthorizedService": "codebuild.amazonaws.com" } },
    });
    expect(bySid.ManageBuildNetworkInterfaces.Resource).toEqual([
      "arn:aws:ec2:eu-west-1:123456789012:network-interface/*",
      ...subnetArns,
      "arn:aws:ec2:eu-west-1:123456789012:security-group/*",
    ]);
    // The main policy holds none of it, so it stays known at plan time when the subnets are new.
    expect(statements(json, "granted").map((s) => s.Sid).filter((sid) => /Network|Interface/.test(sid))).toEqual([]);
    const [project] = resources(json, "aws_codebuild_project") as { depends_on: string[] }[];
    expect(project.depends_on.filter((d) => d.startsWith("aws_iam_role_policy."))).toHaveLength(2);
    expect(bySid.DescribeBuildNetwork.Resource).toBe("*");
    expect(list(bySid.DescribeBuildNetwork.Action).every((a) => a.startsWith("ec2:Describe"))).toBe(true);
  });
});

describe("the stack with fixed-ip", () => {
  const prod = environmentFrom(readShipped("prod"), "prod");
  const removedOf = (json: Record<string, unknown>) => ((json.removed ?? []) as { from: string }[]).map((r) => r.from);

  test("Elastic IP addresses are pinned, and the outputs name them", () => {
    const json = synthStackJson(environmentFrom(merge(readShipped("prod"), { network: { natGateways: "per-az" } }), "prod")) as {
      resource: { aws_eip: Record<string, unknown> };
      output: Record<string, { value: unknown }>;
    };
    expect(Object.keys(json.resource.aws_eip)).toEqual([RETAINED.egressIp(0).name, RETAINED.egressIp(1).name]);
    expect(json.output.egress_public_ips.value).toEqual(["${aws_eip.egress_ip_0.public_ip}", "${aws_eip.egress_ip_1.public_ip}"]);
  });

  test("Elastic IPs this config does not create are forgotten, never released, when a config change drops them", () => {
    const eips = (json: Record<string, unknown>) => removedOf(json).filter((from) => from.startsWith("aws_eip."));
    expect(eips(synthStackJson(prod))).toEqual([1, 2, 3, 4, 5].map((i) => `aws_eip.egress_ip_${i}`));
    const authenticatedOnly = environmentFrom({ ...readShipped("prod"), strategy: "authenticated" }, "prod");
    expect(eips(synthStackJson(authenticatedOnly))).toEqual([0, 1, 2, 3, 4, 5].map((i) => `aws_eip.egress_ip_${i}`));
  });

  test('with removalPolicy "destroy" nothing is retained: releasing is a deliberate step', () => {
    const destroyable = environmentFrom(merge(readShipped("prod"), { network: { elasticIps: { removalPolicy: "destroy" } } }), "prod");
    expect(removedOf(synthStackJson(destroyable)).filter((from) => from.startsWith("aws_eip."))).toEqual([]);
  });

  test("an existing VPC: no network resources, CodeBuild attached to its subnets, outputs from config", () => {
    const environment = environmentFrom(
      { ...readShipped("prod"), network: { vpc: "existing", vpcId: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0123456789abcdef0"] } },
      "prod",
    );
    const json = synthStackJson(environment) as { resource: Record<string, unknown>; output: Record<string, { value: unknown }> };
    for (const type of ["aws_vpc", "aws_subnet", "aws_nat_gateway", "aws_eip", "aws_internet_gateway"]) expect(json.resource).not.toHaveProperty(type);
    expect(json.output.vpc_id.value).toBe("vpc-0123456789abcdef0");
    expect(json.output.private_subnet_ids.value).toEqual(["subnet-0123456789abcdef0"]);
    expect(json.output).not.toHaveProperty("egress_public_ips");
  });
});

function list(value: string | string[]): string[] {
  return Array.isArray(value) ? value : [value];
}

describe("EgressNetwork checks its props when created, with the checks the config runs", () => {
  const refused = (build: (scope: Construct) => void) => () => synth(build);

  test.each([
    ["a public CIDR", { cidr: "8.8.0.0/16" }, /cidr "8.8.0.0\/16": must be private/],
    ["a CIDR too small for the layout", { cidr: "10.0.0.0/26" }, /the prefix must be \/16 to \/24/],
    ["zones of another region", { availabilityZones: ["eu-west-1a", "us-east-1b"] }, /availabilityZones \["eu-west-1a","us-east-1b"\]: "us-east-1b": not a zone of eu-west-1/],
    ["a zone twice", { availabilityZones: ["eu-west-1a", "eu-west-1a"] }, /"eu-west-1a": listed twice/],
  ])("EgressNetwork refuses %s", (_what, props, message) => {
    expect(refused((scope) => new EgressNetwork(scope, "net", { availabilityZones: ["eu-west-1a", "eu-west-1b"], ...props }))).toThrow(message);
  });
});
