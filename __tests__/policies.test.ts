/** Policy checks at synth: each rule catches what it should, nothing else; acknowledging takes a reason. */
import * as fs from "node:fs";
import * as path from "node:path";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { EcrRepositoryPolicy } from "@cdktf/provider-aws/lib/ecr-repository-policy";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { AnnotationMetadataEntryType, App, Aspects, TerraformStack, Testing } from "cdktf";
import { Construct } from "constructs";
import { ConfigError, STRATEGIES } from "../config";
import { AwsStack, DockerBuildProject, ImageRepository, EgressNetwork } from "../constructs";
import { PolicyChecks, PolicyError, RULES } from "../policies";
import { checkPolicies, DockerPullStack } from "../stacks";
import { environmentFrom, merge, minimalFile, PROJECT_ROOT, readShipped, shippedEnvironmentNames } from "./support/environments";

/** A stack with `build` in it, checked: the annotations the checks left, as "[RULE] address" (errors) or "info: ..." */
function check(build: (stack: TerraformStack) => void, acknowledgements?: Record<string, string>) {
  const stack = new AwsStack(Testing.app(), "checked", { accountId: "123456789012", region: "eu-west-1" });
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  build(stack);
  new PolicyChecks({ acknowledgements }).visit(stack);
  const metadata = stack.node.findAll().flatMap((c) => c.node.metadata);
  return {
    errors: metadata.filter((m) => m.type === AnnotationMetadataEntryType.ERROR).map((m) => /^\[[\w-]+\] [^:]+/.exec(String(m.data))![0]),
    infos: metadata.filter((m) => m.type === AnnotationMetadataEntryType.INFO).map((m) => String(m.data)),
  };
}

const publicSubnet = (scope: Construct) => {
  const vpc = new Vpc(scope, "vpc", { cidrBlock: "10.0.0.0/16" });
  const subnet = new Subnet(scope, "subnet", { vpcId: vpc.id, cidrBlock: "10.0.0.0/24" });
  const table = new RouteTable(scope, "table", { vpcId: vpc.id });
  const gateway = new InternetGateway(scope, "igw", { vpcId: vpc.id });
  new Route(scope, "default", { routeTableId: table.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: gateway.id });
  new RouteTableAssociation(scope, "association", { subnetId: subnet.id, routeTableId: table.id });
  return { vpcId: vpc.id, subnetIds: [subnet.id] };
};

describe("the rules", () => {
  test("one file per rule, each with an id, a level, a one-line info and an explanation", () => {
    const files = fs.readdirSync(path.join(PROJECT_ROOT, "policies", "rules")).filter((file) => file !== "index.ts");
    expect(files).toHaveLength(RULES.length);
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    for (const rule of RULES) {
      expect(rule.id).toMatch(/^DP-[A-Z0-9]+(-\d+)?$/);
      expect(["error", "warning"]).toContain(rule.level);
      expect(rule.info).not.toContain("\n");
      expect(rule.explanation.length).toBeGreaterThan(rule.info.length / 2);
    }
  });

  test.each<[string, string, (stack: TerraformStack) => void]>([
    ["DP-CB1", "aws_codebuild_project.build_project_3983C723", (s) => new DockerBuildProject(s, "build", { projectName: "app", vpc: publicSubnet(s) })],
    ["DP-CB1", "aws_codebuild_project.build_project_3983C723", (s) => {
      const vpc = new Vpc(s, "vpc", { cidrBlock: "10.0.0.0/16" });
      const subnet = new Subnet(s, "subnet", { vpcId: vpc.id, cidrBlock: "10.0.0.0/24", mapPublicIpOnLaunch: true });
      new DockerBuildProject(s, "build", { projectName: "app", vpc: { vpcId: vpc.id, subnetIds: [subnet.id] } });
    }],
    ["DP-CB2", "aws_codebuild_project.build_project_3983C723", (s) => new DockerBuildProject(s, "build", { projectName: "app", environmentVariables: [{ name: "DOCKERHUB_TOKEN", value: "x", type: "PLAINTEXT" }] })],
    ["DP-CB2", "aws_codebuild_project.build_project_3983C723", (s) => new DockerBuildProject(s, "build", { projectName: "app", environmentVariables: [{ name: "LOGIN", value: "dckr_pat_abcdefghijklmnop", type: "PLAINTEXT" }] })],
    ["DP-EC2-1", "aws_vpc_security_group_ingress_rule.open", (s) => {
      const group = new SecurityGroup(s, "group", { vpcId: "vpc-0123456789abcdef0" });
      new VpcSecurityGroupIngressRule(s, "open", { securityGroupId: group.id, ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" });
    }],
    ["DP-EC2-1", "aws_security_group.inline", (s) => new SecurityGroup(s, "inline", { vpcId: "vpc-0123456789abcdef0", ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, ipv6CidrBlocks: ["::/0"] }] })],
    ["DP-ECR1", "aws_ecr_repository_policy.everyone", (s) => new EcrRepositoryPolicy(s, "everyone", { repository: "r", policy: JSON.stringify({ Statement: [{ Sid: "All", Effect: "Allow", Principal: "*", Action: ["ecr:BatchGetImage"] }] }) })],
    ["DP-ECR1", "aws_ecr_repository_policy.everyone", (s) => new EcrRepositoryPolicy(s, "everyone", { repository: "r", policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "ecr:BatchGetImage" }] }) })],
    ["DP-SSM1", "aws_ssm_parameter.plain", (s) => new SsmParameter(s, "plain", { name: "/team/dockerhub/token", type: "String", value: "x" })],
    ["DP-IAM1", "aws_iam_role_policy.wide", (s) => new IamRolePolicy(s, "wide", { role: "r", policy: JSON.stringify({ Statement: [{ Sid: "Wide", Effect: "Allow", Action: "s3:*", Resource: "*" }] }) })],
    ["DP-IAM1", "aws_iam_role.trust", (s) => new IamRole(s, "trust", { assumeRolePolicy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { Service: "codebuild.amazonaws.com" }, Action: "sts:*" }] }) })],
    ["DP-DATA1", "aws_eip.loose", (s) => new Eip(s, "loose", { domain: "vpc" })],
    ["DP-DATA1", "aws_ecr_repository.doomed", (s) => new EcrRepository(s, "doomed", { name: "doomed", forceDelete: true })],
  ])("%s catches %s", (rule, address, build) => {
    expect(check(build).errors).toEqual([`[${rule}] ${address}`]);
  });

  test.each<[string, (stack: TerraformStack) => void]>([
    ["a parameter's name in a PLAINTEXT variable", (s) => new DockerBuildProject(s, "build", { projectName: "app", environmentVariables: [{ name: "DOCKERHUB_TOKEN_PARAMETER", value: "/p/token", type: "PLAINTEXT" }] })],
    ["ingress from the VPC only", (s) => new EgressNetwork(s, "net", { availabilityZones: ["eu-west-1a"], interfaceEndpoints: ["logs"] })],
    ["a * principal pinned to an organization", (s) => new EcrRepositoryPolicy(s, "org", { repository: "r", policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "ecr:BatchGetImage", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } } }] }) })],
    ["a Deny with a wildcard", (s) => new IamRolePolicy(s, "deny", { role: "r", policy: JSON.stringify({ Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }] }) })],
    ['an image repository let go on purpose (removalPolicy "destroy": force_delete)', (s) => new ImageRepository(s, "images", { repositoryName: "app", removalPolicy: "destroy" })],
    ['Elastic IPs let go on purpose (removalPolicy "destroy")', (s) => new EgressNetwork(s, "net", { availabilityZones: ["eu-west-1a"], elasticIpRemovalPolicy: "destroy" })],
  ])("lets pass: %s", (_what, build) => {
    expect(check(build).errors).toEqual([]);
  });

  test("an acknowledged rule reports an info with the reason, not an error", () => {
    const result = check((s) => new Eip(s, "loose", { domain: "vpc" }), { "DP-DATA1": "a throwaway test address, released with the stack" });
    expect(result.errors).toEqual([]);
    expect(result.infos).toEqual(["[DP-DATA1] aws_eip.loose: holds an Elastic IP but has no prevent_destroy. Acknowledged: a throwaway test address, released with the stack"]);
  });
});

describe("every shipped environment and every strategy flip passes every rule", () => {
  const combinations = [...STRATEGIES.map((s) => [s]), [...STRATEGIES]];
  test.each(shippedEnvironmentNames().flatMap((name) => combinations.map((strategy) => [name, strategy.join(" + "), strategy] as const)))("%s as %s", (name, _label, strategy) => {
    const stack = new DockerPullStack(Testing.app(), name, environmentFrom({ ...readShipped(name), strategy }, name));
    for (const aspect of Aspects.of(stack).all) aspect.visit(stack);
    const annotations = stack.node.findAll().flatMap((c) => c.node.metadata).filter((m) => String(m.type).startsWith("@cdktf/"));
    expect(annotations).toEqual([]);
  });
});

describe("a failing check fails synth, naming the resource and the rule, before anything is written", () => {
  test("cdktf's own synth stops on the error annotation", () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(require("node:os").tmpdir(), "policy-")) });
    const stack = new TerraformStack(app, "s");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    new Eip(stack, "loose", { domain: "vpc" });
    Aspects.of(stack).add(new PolicyChecks());
    expect(() => app.synth()).toThrow(/\[DP-DATA1\] aws_eip\.loose: holds an Elastic IP but has no prevent_destroy/);
  });

  test("checkPolicies (what synth runs first) throws a PolicyError listing every error of every stack", () => {
    const app = Testing.app();
    const environment = environmentFrom(readShipped("dev"), "dev");
    const stacks = ["dev", "dev2"].map((id) => {
      const stack = new DockerPullStack(app, id, environment);
      // A rule that flags every IAM role policy: the whole path, without breaking a construct.
      Aspects.of(stack).add(new PolicyChecks({ rules: [{ ...RULES[0], id: "DP-TEST1", check: (s) => s.ofType("aws_iam_role_policy").map((resource) => ({ resource, message: "flagged" })) }] }));
      return stack;
    });
    let thrown: unknown;
    try {
      checkPolicies(stacks);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PolicyError);
    const errors = (thrown as PolicyError).errors;
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^dev\/build\/role\/policy: \[DP-TEST1\] aws_iam_role_policy\.build_role_policy_\w+: flagged\./);
    expect(errors[1]).toMatch(/^dev2\/build\/role\/policy: \[DP-TEST1\] aws_iam_role_policy\.build_role_policy_\w+: flagged\./);
    expect((thrown as PolicyError).message).toMatch(/^Policy checks failed: 2 errors\. Nothing was synthesized\./);
  });
});

describe("acknowledging in an environment file", () => {
  test("takes a known rule id and a written reason", () => {
    const environment = environmentFrom(merge(minimalFile(), { policy: { acknowledge: { "DP-EC2-1": "the load balancer in front of the builds terminates TLS" } } }));
    expect(environment.policy.acknowledge).toEqual({ "DP-EC2-1": "the load balancer in front of the builds terminates TLS" });
  });

  test.each([
    [{ "DP-NOPE": "a long enough reason" }, "policy.acknowledge.DP-NOPE", /unknown field; allowed here: DP-CB1, DP-CB2, DP-DATA1/],
    [{ "DP-EC2-1": "because" }, "policy.acknowledge.DP-EC2-1", /a written reason \(at least 10 characters\)/],
  ])("refuses %p", (acknowledge, field, message) => {
    try {
      environmentFrom(merge(minimalFile(), { policy: { acknowledge } }));
      throw new Error("accepted");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problem = (error as ConfigError).problems.find((p) => p.path === field);
      expect(problem?.message).toMatch(message);
    }
  });
});
