/**
 * The strongest check we have: every shipped environment, synthesized by the
 * app exactly as `npm run synth` does, and every flip of its "strategy"
 * switch, goes through the real Terraform CLI and AWS provider (validate,
 * then an offline plan); the assertions read the plan's JSON.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Environment, IMPLEMENTED_STRATEGIES, loadEnvironments, Strategy, uses } from "../config";
import { dockerBuildSpec, DockerHubCredentials, renderBuildSpec } from "../constructs";
import { RETAINED } from "../stacks";
import { environmentFrom, PROJECT_ROOT, readShipped, synthStackJson } from "./support/environments";
import {
  afterOf,
  cleanUpPlansAfterAll,
  ConfigurationGraph,
  describeWithTerraform,
  list,
  PLAN_TIMEOUT,
  rolePolicy,
  startPlan,
} from "./support/plans";
import { changesOf, PlanResult } from "./support/terraform";

cleanUpPlansAfterAll();

interface Case {
  readonly label: string;
  readonly environment: Environment;
  readonly planned: Promise<PlanResult>;
  plan?: PlanResult["plan"];
}

/** Each strategy alone, and all of them together. */
function flips(): Strategy[][] {
  const singles = IMPLEMENTED_STRATEGIES.map((s) => [s]);
  return IMPLEMENTED_STRATEGIES.length > 1 ? [...singles, [...IMPLEMENTED_STRATEGIES]] : singles;
}

describeWithTerraform("every shipped environment and every flip of its strategy, planned offline by the real AWS provider", () => {
  // Shipped: synthesized by the app itself, as `npm run synth` runs it; planned without the token (a pull request's view).
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-out-"));
  execFileSync(process.execPath, ["--import", "tsx", "main.ts"], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, CDKTF_OUTDIR: outdir },
    stdio: "pipe",
  });
  const cases: Case[] = [];
  for (const environment of loadEnvironments({ projectRoot: PROJECT_ROOT })) {
    const json = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", environment.name, "cdk.tf.json"), "utf8"));
    cases.push({ label: `${environment.name} as shipped`, environment, planned: startPlan(environment.name, json, { validate: true }) });
    // Flipping only "strategy" in the file must give a valid, plannable stack.
    for (const strategies of flips()) {
      if (strategies.join() === environment.strategies.join()) continue;
      const flipped = environmentFrom({ ...readShipped(environment.name), strategy: strategies }, environment.name);
      cases.push({
        label: `${environment.name} flipped to ${strategies.join(" + ")}`,
        environment: flipped,
        planned: startPlan(environment.name, synthStackJson(flipped)),
      });
    }
  }
  fs.rmSync(outdir, { recursive: true, force: true });

  beforeAll(async () => {
    for (const c of cases) c.plan = (await c.planned).plan;
  }, PLAN_TIMEOUT);

  const each = test.each(cases.map((c) => [c.label, c] as const));

  each("%s: validates and plans; a first deploy only creates", (_label, c) => {
    expect(c.plan!.errored).toBe(false);
    const actions = new Set((c.plan!.resource_changes ?? []).flatMap((change) => change.change.actions));
    expect([...actions]).toEqual(["create"]);
  });

  each("%s: CodeBuild runs privileged on a curated image; the buildspec is exactly the generated YAML", (_label, c) => {
    const { environment } = c;
    const [project] = afterOf(c.plan!, "aws_codebuild_project");
    const [buildEnvironment] = project.environment as Record<string, unknown>[];
    expect(buildEnvironment).toMatchObject({
      privileged_mode: true,
      image: environment.build.image,
      image_pull_credentials_type: "CODEBUILD",
      compute_type: environment.build.computeType,
    });
    // What Terraform will send after evaluating its templates: escaping must not have mangled the shell.
    const [source] = project.source as Record<string, unknown>[];
    const expected = dockerBuildSpec({ dockerHubLogin: uses(environment, "authenticated"), pushToEcr: environment.build.imageRepository.create });
    expect(source.buildspec).toBe(renderBuildSpec(expected));
    const [logGroup] = afterOf(c.plan!, "aws_cloudwatch_log_group");
    expect(logGroup).toMatchObject({ name: `/aws/codebuild/${environment.build.projectName}`, retention_in_days: environment.build.logRetentionDays });
  });

  each("%s: the role's main policy is known at plan time, has no wildcard action, and `*` only where AWS has no resource type", (_label, c) => {
    const unscoped = ["ecr:GetAuthorizationToken"];
    for (const statement of rolePolicy(c.plan!)) {
      expect(statement.Effect).toBe("Allow");
      for (const action of list(statement.Action)) expect(action).not.toContain("*");
      if (list(statement.Resource).includes("*")) for (const action of list(statement.Action)) expect(unscoped).toContain(action);
    }
  });

  each("%s: logs only to its own group, pushes only to its own repository; only CodeBuild for this project assumes it", (_label, c) => {
    const { environment } = c;
    const arn = (service: string, resource: string) => `arn:aws:${service}:${environment.region}:${environment.accountId}:${resource}`;
    const bySid = Object.fromEntries(rolePolicy(c.plan!).map((s) => [s.Sid, s]));
    const logGroup = arn("logs", `log-group:/aws/codebuild/${environment.build.projectName}`);
    expect(list(bySid.WriteOwnBuildLogs.Resource)).toEqual([logGroup, `${logGroup}:*`]);
    expect(list(bySid.PushToImageRepository.Resource)).toEqual([arn("ecr", `repository/${environment.build.imageRepository.name}`)]);

    const [role] = afterOf(c.plan!, "aws_iam_role");
    expect(JSON.parse(role.assume_role_policy as string).Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "codebuild.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": environment.accountId, "aws:SourceArn": arn("codebuild", `project/${environment.build.projectName}`) } },
      },
    ]);

    const [repository] = afterOf(c.plan!, "aws_ecr_repository");
    expect(repository).toMatchObject({ force_delete: false, image_tag_mutability: "IMMUTABLE", image_scanning_configuration: [{ scan_on_push: true }] });
  });

  each("%s: authenticated: SecureString parameters, the token write-only, read by exactly this role", (_label, c) => {
    const { environment } = c;
    const parameters = Object.fromEntries(changesOf(c.plan!, "aws_ssm_parameter").map((change) => [change.name, change.change.after!]));
    const statements = rolePolicy(c.plan!);
    const [project] = afterOf(c.plan!, "aws_codebuild_project");
    const variables = (project.environment as { environment_variable: { type: string }[] }[])[0].environment_variable;
    if (!uses(environment, "authenticated")) {
      expect(parameters).toEqual({});
      expect(variables.filter((v) => v.type === "PARAMETER_STORE")).toEqual([]);
      expect(statements.flatMap((s) => list(s.Action)).filter((a) => a.startsWith("ssm:") || a.startsWith("kms:"))).toEqual([]);
      return;
    }
    const prefix = environment.dockerHub.parameterPrefix;
    expect(parameters[RETAINED.dockerHubUsername.name]).toMatchObject({
      name: `${prefix}/username`,
      type: "SecureString",
      value: environment.dockerHub.username ?? DockerHubCredentials.UNSET,
    });
    const token = parameters[RETAINED.dockerHubToken.name];
    expect(token).toMatchObject({ name: `${prefix}/token`, type: "SecureString", value_wo: null, value_wo_version: 1 });
    expect(token).not.toHaveProperty("value");
    expect(variables).toEqual(
      expect.arrayContaining([
        { name: "DOCKERHUB_USERNAME", type: "PARAMETER_STORE", value: `${prefix}/username` },
        { name: "DOCKERHUB_TOKEN", type: "PARAMETER_STORE", value: `${prefix}/token` },
      ]),
    );
    const parameterArns = ["username", "token"].map((p) => `arn:aws:ssm:${environment.region}:${environment.accountId}:parameter${prefix}/${p}`);
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(bySid.ReadDockerHubCredentials).toEqual({ Sid: "ReadDockerHubCredentials", Effect: "Allow", Action: "ssm:GetParameters", Resource: parameterArns });
    if (environment.dockerHub.kmsKeyArn) {
      expect(token.key_id).toBe(environment.dockerHub.kmsKeyArn);
      expect(bySid.DecryptDockerHubCredentials.Condition).toEqual({
        StringEquals: { "kms:ViaService": `ssm.${environment.region}.amazonaws.com`, "kms:EncryptionContext:PARAMETER_ARN": parameterArns },
      });
    } else {
      expect(bySid).not.toHaveProperty("DecryptDockerHubCredentials");
    }
    expect(c.plan!.planned_values.outputs?.dockerhub_set_token_command?.value).toMatch(
      new RegExp(`aws ssm put-parameter --region ${environment.region} --name ${prefix}/token .*--value file:///dev/stdin`),
    );
  });

  each("%s: fixed-ip: every subnet CodeBuild uses routes 0.0.0.0/0 to a NAT gateway whose Elastic IP is in the outputs", (_label, c) => {
    const graph = new ConfigurationGraph(c.plan!);
    const [project] = graph.ofType("aws_codebuild_project");
    const buildSubnets = graph.references(project, ["vpc_config", 0, "subnets"]);
    if (!uses(c.environment, "fixed-ip")) {
      expect(buildSubnets).toEqual([]);
      expect(afterOf(c.plan!, "aws_vpc")).toEqual([]);
      expect(rolePolicy(c.plan!).flatMap((s) => list(s.Action)).filter((a) => a.startsWith("ec2:"))).toEqual([]);
      expect(afterOf(c.plan!, "aws_iam_role_policy").map((p) => p.name)).toEqual(["granted"]);
      return;
    }
    const outputIps = graph.outputReferences("egress_public_ips");
    expect(buildSubnets.length).toBe(c.environment.network.vpc === "new" ? c.environment.network.availabilityZones.length : 0);
    for (const subnet of buildSubnets) {
      const [association] = graph.referring("aws_route_table_association", "subnet_id", subnet);
      const [table] = graph.references(association, ["route_table_id"]);
      const defaultRoutes = graph.referring("aws_route", "route_table_id", table).filter((r) => graph.constant(r, "destination_cidr_block") === "0.0.0.0/0");
      expect(defaultRoutes).toHaveLength(1);
      const [nat] = graph.references(defaultRoutes[0], ["nat_gateway_id"]);
      expect(nat).toMatch(/^aws_nat_gateway\./);
      const [eip] = graph.references(graph.byAddress(nat), ["allocation_id"]);
      expect(eip).toMatch(/^aws_eip\.egress_ip_\d$/);
      expect(outputIps).toContain(eip);
      // The NAT gateway itself sits in a public subnet, whose default route is the internet gateway.
      const [natSubnet] = graph.references(graph.byAddress(nat), ["subnet_id"]);
      expect(buildSubnets).not.toContain(natSubnet);
      const [publicAssociation] = graph.referring("aws_route_table_association", "subnet_id", natSubnet);
      const [publicTable] = graph.references(publicAssociation, ["route_table_id"]);
      const [publicRoute] = graph.referring("aws_route", "route_table_id", publicTable);
      expect(graph.references(publicRoute, ["gateway_id"])[0]).toMatch(/^aws_internet_gateway\./);
    }
    // CodeBuild's subnets give no public addresses, and the Elastic IPs are protected.
    for (const subnet of afterOf(c.plan!, "aws_subnet")) expect(subnet.map_public_ip_on_launch).toBe(false);
    const eips = changesOf(c.plan!, "aws_eip");
    expect(eips.map((e) => e.name).sort()).toEqual(outputIps.map((a) => a.split(".")[1]).sort());
    const configured = graph.ofType("aws_eip");
    expect(configured.length).toBe(eips.length);
  });
});
