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
import { Environment, loadEnvironments, STRATEGIES, Strategy, usesStrategy } from "../config";
import { dockerBuildSpec, DockerHubCredentials, renderBuildSpec } from "../constructs";
import { RETAINED } from "../stacks";
import { environmentFrom, PROJECT_ROOT, readShipped, synthStackJson } from "./support/environments";
import {
  afterNamed,
  afterOf,
  cleanUpPlansAfterAll,
  ConfigurationGraph,
  describeWithTerraform,
  list,
  PLAN_TIMEOUT,
  rolePolicy,
  startPlan,
} from "./support/plans";
import { changesOf, PlanResult } from "../terraform";

cleanUpPlansAfterAll();

interface Case {
  readonly label: string;
  readonly environment: Environment;
  readonly planned: Promise<PlanResult>;
  plan?: PlanResult["plan"];
}

/** Each strategy alone, and all of them together. */
function flips(): Strategy[][] {
  return [...STRATEGIES.map((s) => [s]), [...STRATEGIES]];
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
    cases.push({ label: `${environment.name} as shipped`, environment, planned: startPlan(environment.name, json) });
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
  // The build project, its role and their policies, picked by name: the mirror's sync job has its own.
  const buildProject = (c: Case) => afterNamed(c.plan!, "aws_codebuild_project", c.environment.build.projectName);
  const buildRole = (c: Case) => `${c.environment.build.projectName}-build`;
  const buildPolicy = (c: Case) => rolePolicy(c.plan!, buildRole(c));

  each("%s: validates and plans; a first deploy only creates", (_label, c) => {
    expect(c.plan!.errored).toBe(false);
    const actions = new Set((c.plan!.resource_changes ?? []).flatMap((change) => change.change.actions));
    expect([...actions]).toEqual(["create"]);
  });

  each("%s: CodeBuild runs privileged on a curated image; the buildspec is exactly the generated YAML", (_label, c) => {
    const { environment } = c;
    const project = buildProject(c);
    const [buildEnvironment] = project.environment as Record<string, unknown>[];
    expect(buildEnvironment).toMatchObject({
      privileged_mode: true,
      image: environment.build.image,
      image_pull_credentials_type: "CODEBUILD",
      compute_type: environment.build.computeType,
    });
    // What Terraform will send after evaluating its templates: escaping must not have mangled the shell.
    const [source] = project.source as Record<string, unknown>[];
    const expected = dockerBuildSpec({
      dockerHubLogin: usesStrategy(environment, "authenticated"),
      pushToEcr: environment.build.imageRepository.create,
      pullFromMirror: usesStrategy(environment, "mirror"),
    });
    expect(source.buildspec).toBe(renderBuildSpec(expected));
    const logGroup = afterNamed(c.plan!, "aws_cloudwatch_log_group", `/aws/codebuild/${environment.build.projectName}`);
    expect(logGroup.retention_in_days).toBe(environment.build.logRetentionDays);
  });

  each("%s: every role's main policy is known at plan time, has no wildcard action, and `*` only where AWS has no resource type", (_label, c) => {
    const unscoped = ["ecr:GetAuthorizationToken"];
    const roles = afterOf(c.plan!, "aws_iam_role").map((role) => role.name as string);
    expect(roles).toContain(buildRole(c));
    for (const statement of roles.flatMap((role) => rolePolicy(c.plan!, role))) {
      expect(statement.Effect).toBe("Allow");
      for (const action of list(statement.Action)) expect(action).not.toContain("*");
      if (list(statement.Resource).includes("*")) for (const action of list(statement.Action)) expect(unscoped).toContain(action);
    }
  });

  each("%s: logs only to its own group, pushes only to its own repository; only CodeBuild for this project assumes it", (_label, c) => {
    const { environment } = c;
    const arn = (service: string, resource: string) => `arn:aws:${service}:${environment.region}:${environment.accountId}:${resource}`;
    const bySid = Object.fromEntries(buildPolicy(c).map((s) => [s.Sid, s]));
    const logGroup = arn("logs", `log-group:/aws/codebuild/${environment.build.projectName}`);
    expect(list(bySid.WriteOwnBuildLogs.Resource)).toEqual([logGroup, `${logGroup}:*`]);
    expect(list(bySid.PushToImageRepository.Resource)).toEqual([arn("ecr", `repository/${environment.build.imageRepository.name}`)]);

    const role = afterNamed(c.plan!, "aws_iam_role", buildRole(c));
    expect(JSON.parse(role.assume_role_policy as string).Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "codebuild.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": environment.accountId, "aws:SourceArn": arn("codebuild", `project/${environment.build.projectName}`) } },
      },
    ]);

    const repository = afterNamed(c.plan!, "aws_ecr_repository", environment.build.imageRepository.name);
    expect(repository).toMatchObject({ force_delete: false, image_tag_mutability: "IMMUTABLE", image_scanning_configuration: [{ scan_on_push: true }] });
  });

  each("%s: authenticated: SecureString parameters, the token write-only, read by exactly this role", (_label, c) => {
    const { environment } = c;
    // No parameter is a Terraform resource (refreshing one reads the token): a record stores them when created.
    expect(changesOf(c.plan!, "aws_ssm_parameter")).toEqual([]);
    const store = changesOf(c.plan!, RETAINED.credentialsStore.type).find((change) => change.name === RETAINED.credentialsStore.name);
    const statements = buildPolicy(c);
    const project = buildProject(c);
    const variables = (project.environment as { environment_variable: { type: string }[] }[])[0].environment_variable;
    if (!usesStrategy(environment, "authenticated")) {
      expect(store).toBeUndefined();
      expect(variables.filter((v) => v.type === "PARAMETER_STORE")).toEqual([]);
      expect(statements.flatMap((s) => list(s.Action)).filter((a) => a.startsWith("ssm:") || a.startsWith("kms:"))).toEqual([]);
      return;
    }
    const prefix = environment.dockerHub.parameterPrefix;
    expect(store?.change.after?.triggers_replace).toEqual({
      usernameParameter: `${prefix}/username`,
      tokenParameter: `${prefix}/token`,
      keyId: environment.dockerHub.kmsKeyArn ?? "alias/aws/ssm",
      username: environment.dockerHub.username ?? DockerHubCredentials.UNSET,
    });
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
    const project = graph.ofType("aws_codebuild_project").find((p) => graph.constant(p, "name") === c.environment.build.projectName)!;
    const buildSubnets = graph.references(project, ["vpc_config", 0, "subnets"]);
    if (!usesStrategy(c.environment, "fixed-ip")) {
      expect(buildSubnets).toEqual([]);
      expect(afterOf(c.plan!, "aws_vpc")).toEqual([]);
      expect(buildPolicy(c).flatMap((s) => list(s.Action)).filter((a) => a.startsWith("ec2:"))).toEqual([]);
      expect(afterOf(c.plan!, "aws_iam_role_policy").map((p) => p.name)).not.toContain("build-network-interfaces");
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

  each("%s: mirror: builds get REGISTRY_MIRROR and may pull through the mirror's prefixes, and no other repository", (_label, c) => {
    const { environment } = c;
    const variables = Object.fromEntries(
      ((buildProject(c).environment as { environment_variable: { name: string; value: string }[] }[])[0].environment_variable).map((v) => [v.name, v.value]),
    );
    const ecrStatements = buildPolicy(c).filter((s) => list(s.Action).some((a) => a.startsWith("ecr:")));
    const ownRepository = `arn:aws:ecr:${environment.region}:${environment.accountId}:repository/${environment.build.imageRepository.name}`;
    if (!usesStrategy(environment, "mirror")) {
      expect(variables).not.toHaveProperty("REGISTRY_MIRROR");
      expect(ecrStatements.flatMap((s) => list(s.Resource))).toEqual(["*", ownRepository]);
      expect(afterOf(c.plan!, "aws_ecr_pull_through_cache_rule")).toEqual([]);
      return;
    }
    const mirror = environment.mirror;
    const host = mirror.registry === "shared" ? { accountId: mirror.accountId, region: mirror.region } : { accountId: environment.accountId, region: environment.region };
    const registry = `${host.accountId}.dkr.ecr.${host.region}.amazonaws.com`;
    expect(variables.REGISTRY_MIRROR).toBe(`${registry}/${mirror.cachePrefixes.dockerHub}`);
    expect(variables.MIRROR_REGISTRY).toBe(registry);
    const prefixArn = (prefix: string) => `arn:aws:ecr:${host.region}:${host.accountId}:repository/${prefix}/*`;
    const cachePrefixes = [
      mirror.cachePrefixes.dockerHub,
      mirror.cachePrefixes.ecrPublic,
      ...(mirror.registry === "shared" ? mirror.upstreamPrefixes : mirror.upstreams.map((u) => u.prefix)),
    ];
    const bySid = Object.fromEntries(ecrStatements.map((s) => [s.Sid, s]));
    expect(list(bySid.PullThroughMirrorCache.Action).sort()).toEqual(
      ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:BatchImportUpstreamImage", "ecr:CreateRepository", "ecr:GetDownloadUrlForLayer"],
    );
    expect(list(bySid.PullThroughMirrorCache.Resource)).toEqual(cachePrefixes.map(prefixArn));
    expect(list(bySid.PullPinnedMirrorImages.Resource)).toEqual([prefixArn(mirror.pinnedPrefix)]);
    // Every ECR grant of the build role names the mirror's prefixes or its own repository; `*` is only ECR login.
    const allowed = [...cachePrefixes.map(prefixArn), prefixArn(mirror.pinnedPrefix), ownRepository, "*"];
    for (const resource of ecrStatements.flatMap((s) => list(s.Resource))) expect(allowed).toContain(resource);
    if (mirror.registry === "shared") {
      expect(afterOf(c.plan!, "aws_ecr_pull_through_cache_rule")).toEqual([]);
      expect(afterOf(c.plan!, "aws_secretsmanager_secret")).toEqual([]);
    }
  });

  each("%s: own mirror: the Docker Hub rule reads the ecr-pullthroughcache/ secret, templates cover every cache prefix", (_label, c) => {
    const { environment } = c;
    const rules = afterOf(c.plan!, "aws_ecr_pull_through_cache_rule");
    if (!usesStrategy(environment, "mirror") || environment.mirror.registry !== "own") {
      expect(rules).toEqual([]);
      return;
    }
    const mirror = environment.mirror;
    const graph = new ConfigurationGraph(c.plan!);
    const dockerHubRule = graph.ofType("aws_ecr_pull_through_cache_rule").find((r) => graph.constant(r, "upstream_registry_url") === "registry-1.docker.io")!;
    expect(graph.constant(dockerHubRule, "ecr_repository_prefix")).toBe(mirror.cachePrefixes.dockerHub);
    const [secret] = graph.references(dockerHubRule, ["credential_arn"]);
    expect(secret).toBe(`${RETAINED.mirrorSecret.type}.${RETAINED.mirrorSecret.name}`);
    const secretName = afterOf(c.plan!, "aws_secretsmanager_secret")[0].name as string;
    expect(secretName).toBe(mirror.secretName);
    expect(secretName.startsWith("ecr-pullthroughcache/")).toBe(true);
    // No secret version in the plan (refreshing one reads the token): the rule waits for the record that stores the first value.
    expect(afterOf(c.plan!, "aws_secretsmanager_secret_version")).toEqual([]);
    expect((dockerHubRule as unknown as { depends_on?: string[] }).depends_on).toEqual([`${RETAINED.mirrorSecretStore.type}.${RETAINED.mirrorSecretStore.name}`]);
    const ecrPublicRule = rules.find((r) => r.upstream_registry_url === "public.ecr.aws")!;
    expect(ecrPublicRule.credential_arn).toBeNull();

    const templates = afterOf(c.plan!, "aws_ecr_repository_creation_template");
    expect(templates.map((t) => t.prefix).sort()).toEqual(rules.map((r) => r.ecr_repository_prefix).sort());
    for (const template of templates) {
      expect(template.applied_for).toEqual(["PULL_THROUGH_CACHE"]);
      expect(JSON.parse(template.lifecycle_policy as string).rules).toHaveLength(2);
    }
    // Pinned repositories: one per image repository, kept (no force delete).
    const pinned = afterOf(c.plan!, "aws_ecr_repository").filter((r) => (r.name as string).startsWith(`${mirror.pinnedPrefix}/`));
    expect(pinned.map((r) => r.name).sort()).toEqual(mirror.pinnedRepositories.map((p) => `${mirror.pinnedPrefix}/${p}`).sort());
    for (const repository of pinned) expect(repository.force_delete).toBe(false);
  });

  each("%s: own mirror with images: the schedule starts the sync project, which may push to the pinned repositories only", (_label, c) => {
    const { environment } = c;
    const schedules = afterOf(c.plan!, "aws_scheduler_schedule");
    if (!usesStrategy(environment, "mirror") || environment.mirror.registry !== "own" || environment.mirror.images.length === 0) {
      expect(schedules).toEqual([]);
      return;
    }
    const mirror = environment.mirror;
    const [schedule] = schedules;
    const [target] = schedule.target as { arn: string; input: string }[];
    expect(target.arn).toBe("arn:aws:scheduler:::aws-sdk:codebuild:startBuild");
    expect(JSON.parse(target.input)).toEqual({ ProjectName: mirror.syncProjectName });
    const syncProject = afterNamed(c.plan!, "aws_codebuild_project", mirror.syncProjectName);
    expect((syncProject.source as { type: string }[])[0].type).toBe("NO_SOURCE");
    const projectArn = `arn:aws:codebuild:${environment.region}:${environment.accountId}:project/${mirror.syncProjectName}`;
    expect(rolePolicy(c.plan!, `${mirror.syncProjectName}-scheduler`)).toEqual([
      { Sid: "StartSync", Effect: "Allow", Action: "codebuild:StartBuild", Resource: projectArn },
    ]);
    const push = rolePolicy(c.plan!, `${mirror.syncProjectName}-build`).find((s) => s.Sid === "PushPinnedImages")!;
    expect(list(push.Resource)).toEqual(
      mirror.pinnedRepositories.map((p) => `arn:aws:ecr:${environment.region}:${environment.accountId}:repository/${mirror.pinnedPrefix}/${p}`),
    );
    const [alarm] = afterOf(c.plan!, "aws_cloudwatch_metric_alarm");
    expect(alarm).toMatchObject({ metric_name: "FailedBuilds", dimensions: { ProjectName: mirror.syncProjectName }, threshold: 1 });
  });
});
