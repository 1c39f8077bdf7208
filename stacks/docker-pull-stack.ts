import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Aspects, TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { Environment, uses } from "../config/environment";
import { AwsEnvironments, formatArn } from "../constructs/aws-environment";
import { BuildVpc, DockerBuildProject } from "../constructs/docker-build-project";
import { DockerHubCredentials } from "../constructs/dockerhub-credentials";
import { DockerHubSecret } from "../constructs/dockerhub-secret";
import { EcrMirror, MirrorLocation, registryOf, repositoryPathOf } from "../constructs/ecr-mirror";
import { EgressNetwork, InterfaceEndpoint } from "../constructs/egress-network";
import { MirrorSync } from "../constructs/mirror-sync";
import { dockerHubTokenCommand } from "../constructs/token-command";
import { ImageRepository } from "../constructs/image-repository";
import { terraformLiteral } from "../constructs/terraform-literal";
import { PolicyChecks } from "../policies/policy-checks";
import { configureBackend } from "./backend";
import { retain, RETAINED } from "./retained";

/**
 * One environment: the provider and backend from its config, and the
 * constructs its strategies call for, wired together through grants.
 */
export class DockerPullStack extends TerraformStack {
  readonly build: DockerBuildProject;
  readonly credentials?: DockerHubCredentials;
  readonly imageRepository?: ImageRepository;
  readonly network?: EgressNetwork;
  readonly mirror?: EcrMirror;
  readonly mirrorSecret?: DockerHubSecret;
  readonly mirrorSync?: MirrorSync;
  /** The mirror builds pull from: this stack's, or another account's. */
  readonly mirrorLocation?: MirrorLocation;

  constructor(scope: Construct, id: string, readonly environment: Environment) {
    super(scope, id);
    AwsEnvironments.use(this, { accountId: environment.accountId, region: environment.region });
    Aspects.of(this).add(new PolicyChecks({ acknowledgements: environment.policy.acknowledge }));

    new AwsProvider(this, "aws", {
      region: environment.region,
      // A deploy with credentials for another account fails before touching anything.
      allowedAccountIds: [environment.accountId],
      assumeRole: environment.deploy.assumeRoleArn
        ? [{ roleArn: environment.deploy.assumeRoleArn, sessionName: `cdktf-${environment.name}` }]
        : undefined,
      defaultTags: [{ tags: { ...environment.tags } }],
    });
    configureBackend(this, environment.state);

    // Ephemeral: Terraform keeps it out of plans and state; it may only feed write-only arguments.
    const dockerHubToken = new TerraformVariable(this, "dockerhub_token", {
      type: "string",
      sensitive: true,
      nullable: true,
      description:
        "Docker Hub access token. Read only when the token parameter is created (first deploy); " +
        "never stored in plans or state. Later plans do not need it; rotate with the dockerhub_set_token_command output.",
    });
    dockerHubToken.addOverride("ephemeral", true);
    dockerHubToken.addOverride("default", null);

    if (uses(environment, "authenticated")) {
      this.credentials = new DockerHubCredentials(this, "dockerhub", {
        parameterPrefix: environment.dockerHub.parameterPrefix,
        username: environment.dockerHub.username,
        initialToken: dockerHubToken.stringValue,
        kmsKeyArn: environment.dockerHub.kmsKeyArn,
        removalPolicy: environment.dockerHub.removalPolicy,
      });
      this.credentials.usernameParameter.overrideLogicalId(RETAINED.dockerHubUsername.name);
      this.credentials.tokenParameter.overrideLogicalId(RETAINED.dockerHubToken.name);
    } else if (environment.dockerHub.removalPolicy === "retain") {
      // Switching strategy must not delete a stored token: Terraform forgets the parameters instead.
      retain(this, [RETAINED.dockerHubUsername, RETAINED.dockerHubToken]);
    }

    let buildVpc: BuildVpc | undefined;
    if (uses(environment, "fixed-ip")) {
      ({ network: this.network, vpc: buildVpc } = this.fixedIpNetwork(environment));
    }
    this.retainUnusedElasticIps(environment);

    if (uses(environment, "mirror")) {
      ({ mirror: this.mirror, secret: this.mirrorSecret, sync: this.mirrorSync, location: this.mirrorLocation } =
        this.ecrMirror(environment, dockerHubToken.stringValue));
    }
    this.retainUnusedMirror(environment);

    const { imageRepository: repository } = environment.build;
    if (repository.create) {
      this.imageRepository = new ImageRepository(this, "images", {
        repositoryName: repository.name,
        scanOnPush: repository.scanOnPush,
        tagMutability: repository.tagMutability,
        keepLastImages: repository.keepLastImages,
        untaggedExpiryDays: repository.untaggedExpiryDays,
      });
    }

    this.build = new DockerBuildProject(this, "build", {
      projectName: environment.build.projectName,
      source: environment.build.source,
      buildSpec: environment.build.buildspec,
      image: environment.build.image,
      computeType: environment.build.computeType,
      timeoutMinutes: environment.build.timeoutMinutes,
      logRetentionDays: environment.build.logRetentionDays,
      dockerHubCredentials: this.credentials,
      imageRepository: this.imageRepository,
      vpc: buildVpc,
      mirror: this.mirrorLocation,
    });

    this.outputs();
  }

  /** A new VPC behind NAT gateways with Elastic IPs, or the user's own private subnets. */
  private fixedIpNetwork(environment: Environment): { network?: EgressNetwork; vpc: BuildVpc } {
    const network = environment.network;
    const egressPorts = network.egressPorts === "all" ? undefined : network.egressPorts;
    if (network.vpc === "existing") {
      return { vpc: { vpcId: network.vpcId, subnetIds: network.privateSubnetIds, egressPorts } };
    }
    const endpoints: InterfaceEndpoint[] = [
      ...(network.endpoints.ecr ? (["ecr.api", "ecr.dkr"] as const) : []),
      ...(network.endpoints.logs ? (["logs"] as const) : []),
    ];
    const created = new EgressNetwork(this, "network", {
      cidr: network.cidr,
      availabilityZones: network.availabilityZones,
      natGateways: network.natGateways,
      elasticIpAllocationIds: network.elasticIps.allocationIds,
      elasticIpRemovalPolicy: network.elasticIps.removalPolicy,
      s3GatewayEndpoint: network.endpoints.s3,
      interfaceEndpoints: endpoints,
      // Pinned addresses: a refactor of the construct tree must never replace an allow-listed IP.
      elasticIpLogicalId: (zoneIndex) => RETAINED.egressIp(zoneIndex).name,
    });
    return { network: created, vpc: { vpcId: created.vpcId, subnetIds: created.privateSubnetIds, egressPorts } };
  }

  /** This environment's own mirror (with its secret and sync job), or where another account's is. */
  private ecrMirror(
    environment: Environment,
    token: string,
  ): { mirror?: EcrMirror; secret?: DockerHubSecret; sync?: MirrorSync; location: MirrorLocation } {
    const config = environment.mirror;
    if (config.registry === "shared") {
      return {
        location: {
          accountId: config.accountId,
          region: config.region,
          cachePrefixes: [config.cachePrefixes.dockerHub, config.cachePrefixes.ecrPublic, ...config.upstreamPrefixes],
          pinnedPrefix: config.pinnedPrefix,
          dockerHubPrefix: config.cachePrefixes.dockerHub,
        },
      };
    }
    const secret = new DockerHubSecret(this, "mirror-credentials", {
      secretName: config.secretName,
      username: environment.dockerHub.username,
      initialToken: token,
      removalPolicy: config.removalPolicy,
      logicalIds: { secret: RETAINED.mirrorSecret.name, initialVersion: RETAINED.mirrorSecretVersion.name },
    });
    const mirror = new EcrMirror(this, "mirror", {
      name: `${environment.project}-${environment.name}`,
      dockerHubPrefix: config.cachePrefixes.dockerHub,
      ecrPublicPrefix: config.cachePrefixes.ecrPublic,
      dockerHubSecret: secret,
      upstreams: config.upstreams.map((u) => ({
        prefix: u.prefix,
        url: u.url,
        credentialArn: u.credentialSecretName && formatArn(this, { service: "secretsmanager", resource: `secret:${u.credentialSecretName}` }),
      })),
      pinnedPrefix: config.pinnedPrefix,
      pinnedRepositories: config.pinnedRepositories,
      untaggedExpiryDays: config.lifecycle.untaggedExpiryDays,
      keepLastImages: config.lifecycle.keepLastImages,
      scanOnPush: config.scanOnPush,
      tagMutability: config.tagMutability,
      kmsKeyArn: config.kmsKeyArn,
      sharing: config.sharing,
      removalPolicy: config.removalPolicy,
      repositoryLogicalId: (path) => RETAINED.mirrorRepository(path).name,
    });
    const sync =
      config.images.length > 0
        ? new MirrorSync(this, "mirror-sync", {
            projectName: config.syncProjectName,
            mirror,
            images: config.images,
            dockerHubSecret: secret,
            schedule: config.sync.schedule,
            alarmTopicArn: config.sync.alarmTopicArn,
            image: environment.build.image,
            logRetentionDays: environment.build.logRetentionDays,
          })
        : undefined;
    return { mirror, secret, sync, location: mirror.location };
  }

  /**
   * A mirror this config does not host (another strategy, or another account's
   * mirror): Terraform forgets its Docker Hub secret and the pinned
   * repositories the config still lists, and deletes neither.
   */
  private retainUnusedMirror(environment: Environment): void {
    const config = environment.mirror;
    if (this.mirror || (config.registry === "own" && config.removalPolicy === "destroy")) return;
    const repositories = config.registry === "own" ? config.pinnedRepositories.map(RETAINED.mirrorRepository) : [];
    retain(this, [RETAINED.mirrorSecret, RETAINED.mirrorSecretVersion, ...repositories]);
  }

  /**
   * Elastic IPs a previous config may have created and this one does not
   * (another strategy, fewer NAT gateways, addresses of your own): forgotten,
   * never released, unless the user chose "destroy".
   */
  private retainUnusedElasticIps(environment: Environment): void {
    const network = environment.network;
    if (network.vpc === "new" && network.elasticIps.removalPolicy === "destroy") return;
    const inUse = this.network?.elasticIps.length ?? 0;
    const unused = Array.from({ length: EgressNetwork.MAX_AVAILABILITY_ZONES }, (_, i) => i).filter((i) => i >= inUse);
    retain(this, unused.map(RETAINED.egressIp));
  }

  private outputs(): void {
    const output = (id: string, value: string | string[], description: string) => new TerraformOutput(this, id, { value, description });
    output("codebuild_project_name", this.build.projectName, "The CodeBuild project that builds the images.");
    output("build_role_arn", this.build.role.roleArn, "The build's service role.");
    if (this.imageRepository) {
      output("image_repository_url", this.imageRepository.repositoryUrl, "Where the build pushes its images.");
    }
    if (this.network) {
      output("egress_public_ips", this.network.egressIps, "The addresses builds reach the internet from: allow-list these.");
      output("vpc_id", this.network.vpcId, "The builds' VPC.");
      output("private_subnet_ids", this.network.privateSubnetIds, "The private subnets builds run in.");
      output("nat_gateway_ids", this.network.natGateways.map((nat) => nat.id), "The NAT gateways builds leave through.");
    } else if (uses(this.environment, "fixed-ip") && this.environment.network.vpc === "existing") {
      output("vpc_id", this.environment.network.vpcId, "The builds' VPC (yours).");
      output("private_subnet_ids", [...this.environment.network.privateSubnetIds], "The private subnets builds run in (yours).");
    }
    if (this.credentials) {
      output("dockerhub_username_parameter", this.credentials.usernameParameterName, "SSM parameter holding the Docker Hub username.");
      output("dockerhub_token_parameter", this.credentials.tokenParameterName, "SSM parameter holding the Docker Hub access token.");
    }
    if (this.mirrorLocation) {
      const registry = registryOf(this.mirrorLocation, AwsEnvironments.of(this).urlSuffix);
      output("mirror_registry", registry, "The mirror's registry (log in to it with aws ecr get-login-password).");
      output("registry_mirror", `${registry}/${this.mirrorLocation.dockerHubPrefix}`, "Docker Hub through the mirror: pass it as the build argument REGISTRY.");
    }
    if (this.mirrorSecret) output("dockerhub_mirror_secret", this.mirrorSecret.secretName, "Secrets Manager secret the mirror reads Docker Hub credentials from.");
    if (this.mirrorSync) {
      output("mirror_sync_project", this.mirrorSync.project.projectName, "The CodeBuild project that copies the pinned images.");
      const config = this.environment.mirror;
      if (config.registry === "own") {
        const pinned = config.images.map((image) => `${this.mirror!.registry}/${config.pinnedPrefix}/${repositoryPathOf(image)}:${image.slice(image.lastIndexOf(":") + 1)}`);
        output("mirror_pinned_images", pinned, "The pinned images, as builds pull them.");
      }
    }
    // One command writes the token everywhere this stack keeps it.
    const writers = [this.credentials?.tokenWriter(), this.mirrorSecret?.tokenWriter()].filter((w): w is string => w !== undefined);
    if (writers.length > 0) {
      output(
        "dockerhub_set_token_command",
        terraformLiteral(dockerHubTokenCommand(writers, `${this.environment.name} (${writers.length === 2 ? "SSM and Secrets Manager" : this.credentials ? "SSM" : "Secrets Manager"})`)),
        "Stores or rotates the Docker Hub token everywhere this stack keeps it: run it and paste the token (or pipe it in).",
      );
    }
  }
}
