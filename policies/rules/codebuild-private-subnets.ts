import { PolicyRule, referencedAddresses } from "../rule";

/**
 * CodeBuild never in a subnet whose default route is an internet gateway:
 * its network interfaces get no public address, so builds there have no way
 * out at all, and the fixed-IP strategy only works through a NAT gateway.
 */
export const codebuildPrivateSubnets: PolicyRule = {
  id: "DP-CB1",
  level: "error",
  info: "CodeBuild runs only in private subnets (default route to a NAT gateway, never an internet gateway).",
  explanation:
    "CodeBuild's network interfaces get no public IP: in a subnet that routes to an internet gateway builds cannot reach " +
    "anything, and their egress address is not the NAT gateway's fixed one. Attach CodeBuild to private subnets only.",
  check(stack) {
    return stack.ofType("aws_codebuild_project").flatMap((project) => {
      const vpcConfig = project.config.vpc_config as { subnets?: unknown } | undefined;
      const subnets = referencedAddresses(vpcConfig?.subnets).filter((a) => a.startsWith("aws_subnet."));
      return subnets.flatMap((subnet) => {
        const publicIp = stack.byAddress(subnet)?.config.map_public_ip_on_launch === true;
        const tables = stack
          .ofType("aws_route_table_association")
          .filter((association) => referencedAddresses(association.config.subnet_id).includes(subnet))
          .flatMap((association) => referencedAddresses(association.config.route_table_id));
        const toInternet = [
          ...stack.ofType("aws_route").filter((route) => tables.some((t) => referencedAddresses(route.config.route_table_id).includes(t))),
          ...tables.flatMap((t) => ((stack.byAddress(t)?.config.route as Record<string, unknown>[] | undefined) ?? []).map((route) => ({ config: route }))),
        ].filter((route) => referencedAddresses(route.config.gateway_id).some((g) => g.startsWith("aws_internet_gateway.")));
        return toInternet.length > 0 || publicIp
          ? [{ resource: project, message: `attached to ${subnet}, which ${publicIp ? "gives public addresses" : "routes to an internet gateway"}` }]
          : [];
      });
    });
  },
};
