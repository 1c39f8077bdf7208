import { PolicyRule } from "../rule";

const ANYWHERE = ["0.0.0.0/0", "::/0"];

/** Nothing here takes connections from the internet: builds and endpoints only reach out. */
export const noOpenIngress: PolicyRule = {
  id: "DP-EC2-1",
  level: "error",
  info: "No security group ingress from 0.0.0.0/0 or ::/0.",
  explanation:
    "Build security groups have no ingress, and the endpoints' groups admit the VPC only. " +
    "Ingress from anywhere would expose build machines or endpoints to the internet.",
  check(stack) {
    const open = (values: unknown) => (Array.isArray(values) ? values : [values]).some((v) => ANYWHERE.includes(String(v)));
    return [
      ...stack.ofType("aws_vpc_security_group_ingress_rule").filter((rule) => open(rule.config.cidr_ipv4) || open(rule.config.cidr_ipv6)),
      ...stack.ofType("aws_security_group_rule").filter((rule) => rule.config.type === "ingress" && (open(rule.config.cidr_blocks) || open(rule.config.ipv6_cidr_blocks))),
      ...stack
        .ofType("aws_security_group")
        .filter((group) => ((group.config.ingress as Record<string, unknown>[] | undefined) ?? []).some((i) => open(i.cidr_blocks) || open(i.ipv6_cidr_blocks))),
    ].map((resource) => ({ resource, message: "admits traffic from anywhere" }));
  },
};
