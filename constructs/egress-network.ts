import { Eip } from "@cdktf/provider-aws/lib/eip";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Construct } from "constructs";
import { protectStateful } from "./private/stateful";
import { vpcEndpointServiceName } from "../aws/partitions";
import { DEFAULTS } from "../aws/defaults";
import { availabilityZonesProblem, MAX_AVAILABILITY_ZONES, named, refuse, vpcCidrProblem } from "../aws/rules";
import { AwsStack } from "./aws-stack";
import { formatCidr, parseCidr, subnetOf } from "../aws/cidr";

/** One NAT gateway in the first zone (cheapest), or one per zone (survives a zone outage). */
export type NatGatewayLayout = "single" | "per-az";

/** Interface endpoints that keep build traffic off the NAT gateway (each costs per hour and zone). */
export type InterfaceEndpoint = "ecr.api" | "ecr.dkr" | "logs";

export interface EgressNetworkProps {
  /** @default EgressNetwork.DEFAULT_CIDR ("10.42.0.0/16"); a private block from /16 to /24 */
  readonly cidr?: string;
  /** Zones for the subnets, e.g. `["eu-west-1a", "eu-west-1b"]` (1 to 6; no data source looks them up). */
  readonly availabilityZones: readonly string[];
  /**
   * `"single"`: one NAT gateway, in the first zone (~$33/month plus $0.045/GB).
   * `"per-az"`: one per zone, so a zone outage does not cut egress (that cost times the zones).
   * @default "single"
   */
  readonly natGateways?: NatGatewayLayout;
  /**
   * Existing Elastic IP allocation ids, one per NAT gateway, for addresses
   * already allow-listed elsewhere. The stack never creates or releases them.
   * @default - new Elastic IPs, created by this construct
   */
  readonly elasticIpAllocationIds?: readonly string[];
  /**
   * `"retain"`: Elastic IPs this construct creates carry `prevent_destroy`.
   * `"destroy"`: they can be released by a config change.
   * @default "retain"
   */
  readonly elasticIpRemovalPolicy?: "retain" | "destroy";
  /**
   * Pins the Terraform address of the Elastic IP of the NAT gateway in zone
   * `zoneIndex`, so moving this construct in the tree never replaces an
   * allow-listed address. (It must be set here: cdktf fixes an id once it is referenced.)
   * @default - cdktf's ids, derived from the construct path
   */
  readonly elasticIpLogicalId?: (zoneIndex: number) => string;
  /** The S3 gateway endpoint: free, and ECR image layers come from S3. @default true */
  readonly s3GatewayEndpoint?: boolean;
  /** @default - none (each is ~$7.30/month per zone plus $0.01/GB) */
  readonly interfaceEndpoints?: readonly InterfaceEndpoint[];
}

/**
 * A VPC whose private subnets leave the internet through NAT gateways with
 * Elastic IPs: traffic from the private subnets comes from addresses nobody
 * else uses.
 *
 * Layout: the VPC block is cut into 16 equal slots; zone i gets private
 * subnet slot i and public subnet slot 8 + i, so adding a zone never moves
 * an existing subnet.
 */
export class EgressNetwork extends Construct {
  static readonly DEFAULT_CIDR = DEFAULTS.network.cidr;
  static readonly MAX_AVAILABILITY_ZONES = MAX_AVAILABILITY_ZONES;
  /** Each subnet is the VPC block with 4 more prefix bits (/16 gives /20 subnets). */
  static readonly SUBNET_NEWBITS = 4;

  /** The subnet blocks for a VPC block and a number of zones. */
  static layout(cidr: string, zones: number): { privateSubnets: string[]; publicSubnets: string[] } {
    const vpc = parseCidr(cidr);
    const block = (index: number) => formatCidr(subnetOf(vpc, EgressNetwork.SUBNET_NEWBITS, index));
    const indexes = Array.from({ length: zones }, (_, i) => i);
    return { privateSubnets: indexes.map(block), publicSubnets: indexes.map((i) => block(8 + i)) };
  }

  readonly vpc: Vpc;
  readonly privateSubnets: Subnet[];
  readonly publicSubnets: Subnet[];
  readonly natGateways: NatGateway[];
  /** The Elastic IPs this construct created (none when allocation ids were given). */
  readonly elasticIps: Eip[];
  /** The egress addresses, one per NAT gateway: what others allow-list. */
  readonly egressIps: string[];

  constructor(scope: Construct, id: string, props: EgressNetworkProps) {
    super(scope, id);
    const { region } = AwsStack.of(this);
    const cidr = props.cidr ?? EgressNetwork.DEFAULT_CIDR;
    const zones = props.availabilityZones;
    refuse(this.node.path, [named("cidr", cidr, vpcCidrProblem), named("availabilityZones", zones, (list) => availabilityZonesProblem(list, region))]);
    const layout = EgressNetwork.layout(cidr, zones.length);
    const natZones = (props.natGateways ?? "single") === "single" ? [0] : zones.map((_, i) => i);
    if (props.elasticIpAllocationIds && props.elasticIpAllocationIds.length !== natZones.length) {
      throw new Error(
        `${this.node.path}: ${props.elasticIpAllocationIds.length} Elastic IP allocation ids for ${natZones.length} NAT gateways`,
      );
    }

    this.vpc = new Vpc(this, "vpc", { cidrBlock: cidr, enableDnsSupport: true, enableDnsHostnames: true });
    const internetGateway = new InternetGateway(this, "internet-gateway", { vpcId: this.vpc.id });

    const publicRoutes = new RouteTable(this, "public-routes", { vpcId: this.vpc.id });
    new Route(this, "public-default-route", {
      routeTableId: publicRoutes.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: internetGateway.id,
    });

    this.publicSubnets = zones.map((zone, i) => {
      const subnet = new Subnet(this, `public-${i}`, {
        vpcId: this.vpc.id,
        availabilityZone: zone,
        cidrBlock: layout.publicSubnets[i],
        // Only NAT gateways live here; they use the Elastic IPs, nothing else needs a public address.
        mapPublicIpOnLaunch: false,
      });
      new RouteTableAssociation(this, `public-${i}-routes`, { subnetId: subnet.id, routeTableId: publicRoutes.id });
      return subnet;
    });

    this.elasticIps = props.elasticIpAllocationIds
      ? []
      : natZones.map((i) => {
          const ip = new Eip(this, `egress-ip-${i}`, { domain: "vpc" });
          if (props.elasticIpLogicalId) ip.overrideLogicalId(props.elasticIpLogicalId(i));
          protectStateful(ip, { holds: "an egress address others may have allow-listed", removalPolicy: props.elasticIpRemovalPolicy, removalPolicyProp: "elasticIpRemovalPolicy" });
          return ip;
        });
    this.natGateways = natZones.map(
      (zoneIndex, i) =>
        new NatGateway(this, `nat-${zoneIndex}`, {
          subnetId: this.publicSubnets[zoneIndex].id,
          allocationId: props.elasticIpAllocationIds?.[i] ?? this.elasticIps[i].allocationId,
          connectivityType: "public",
          dependsOn: [internetGateway],
        }),
    );
    this.egressIps = this.elasticIps.length > 0 ? this.elasticIps.map((ip) => ip.publicIp) : this.natGateways.map((nat) => nat.publicIp);

    const privateRouteTables: RouteTable[] = [];
    this.privateSubnets = zones.map((zone, i) => {
      const subnet = new Subnet(this, `private-${i}`, {
        vpcId: this.vpc.id,
        availabilityZone: zone,
        cidrBlock: layout.privateSubnets[i],
        mapPublicIpOnLaunch: false,
      });
      const routes = new RouteTable(this, `private-${i}-routes`, { vpcId: this.vpc.id });
      // Each zone's default route goes to its own NAT gateway, or to the single one.
      const nat = this.natGateways[natZones.indexOf(i)] ?? this.natGateways[0];
      new Route(this, `private-${i}-default-route`, {
        routeTableId: routes.id,
        destinationCidrBlock: "0.0.0.0/0",
        natGatewayId: nat.id,
      });
      new RouteTableAssociation(this, `private-${i}-routes-association`, { subnetId: subnet.id, routeTableId: routes.id });
      privateRouteTables.push(routes);
      return subnet;
    });

    if (props.s3GatewayEndpoint ?? true) {
      new VpcEndpoint(this, "s3-endpoint", {
        vpcId: this.vpc.id,
        serviceName: vpcEndpointServiceName(region, "s3", "Gateway"),
        vpcEndpointType: "Gateway",
        routeTableIds: privateRouteTables.map((table) => table.id),
      });
    }
    const interfaceEndpoints = props.interfaceEndpoints ?? [];
    if (interfaceEndpoints.length > 0) {
      const endpointSecurityGroup = new SecurityGroup(this, "endpoints-security-group", {
        vpcId: this.vpc.id,
        description: "HTTPS from the VPC to its interface endpoints",
      });
      new VpcSecurityGroupIngressRule(this, "endpoints-https", {
        securityGroupId: endpointSecurityGroup.id,
        description: "HTTPS from the VPC",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: cidr,
      });
      for (const service of interfaceEndpoints) {
        new VpcEndpoint(this, `${service.replace(".", "-")}-endpoint`, {
          vpcId: this.vpc.id,
          serviceName: vpcEndpointServiceName(region, service, "Interface"),
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: this.privateSubnets.map((subnet) => subnet.id),
          securityGroupIds: [endpointSecurityGroup.id],
        });
      }
    }
  }

  get vpcId(): string {
    return this.vpc.id;
  }

  get privateSubnetIds(): string[] {
    return this.privateSubnets.map((subnet) => subnet.id);
  }
}
