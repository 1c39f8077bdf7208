import { Aspects, TerraformOutput, TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { Environment, usesStrategy } from "../config/environment";
import { AwsStack, formatArn } from "../constructs/aws-stack";
import { BuildVpc, DockerBuildProject } from "../constructs/docker-build-project";
import { DockerHubCredentials } from "../constructs/dockerhub-credentials";
import { DockerHubSecret } from "../constructs/dockerhub-secret";
import { repositoryPathOf } from "../aws/images";
import { EcrMirror, MirrorLocation, registryOf } from "../constructs/ecr-mirror";
import { EgressNetwork, InterfaceEndpoint } from "../constructs/egress-network";
import { MirrorSync } from "../constructs/mirror-sync";
import { PermissionsBoundary } from "../constructs/permissions-boundary";
import { dockerHubTokenCommand } from "../constructs/private/token-command";
import { ImageRepository } from "../constructs/image-repository";
import { instanceAddress, moved } from "../constructs/private/terraform-blocks";
import { terraformLiteral } from "../constructs/private/terraform-literal";
import { PolicyChecks } from "../policies/policy-checks";
import { configureEnvironmentStack } from "./backend";
import { RegistryPolicy } from "../constructs/registry-policy";
import { RegistryScanning } from "../constructs/registry-scanning";
import { addressOf, LEGACY, retain, retainCredentialsStore, retainElasticIps, retainImageRepository, retainMirror, RETAINED, retainRegistryScanning } from "./retained";

/**
 * One environment: the provider and backend from its config, and the
 * constructs its strategies call for, wired together through grants.
 */
export class DockerPullStack extends AwsStack {
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
    super(scope, id, { accountId: environment.accountId, region: environment.region });
    Aspects.of(this).add(new PolicyChecks({ acknowledgements: environment.policy.acknowledge }));

    configureEnvironmentStack(this, environment, environment.state);
    // The CI deploy role creates roles only under the bootstrap's boundary: every role here carries it.
    if (environment.bootstrap?.permissionsBoundary) PermissionsBoundary.applyTo(this, environment.bootstrap.permissionsBoundary.arn);

    // Ephemeral: Terraform keeps it out of plans and state; it may only feed provisioners and write-only arguments.
    const dockerHubToken = new TerraformVariable(this, "dockerhub_token", {
      type: "string",
      sensitive: true,
      nullable: false,
      default: "",
      description:
        "Docker Hub access token, stored where no token is stored yet (the first deploy); never in plans or state. " +
        "Later deploys do not need it; rotate with the dockerhub_set_token_command output.",
    });
    dockerHubToken.addOverride("ephemeral", true);

    // Earlier versions of this stack held the stored token in resources Terraform refreshes: forget them, never delete.
    retain(this, [...LEGACY.dockerHubParameters, LEGACY.mirrorSecretVersion]);

    if (usesStrategy(environment, "authenticated")) {
      this.credentials = new DockerHubCredentials(this, "dockerhub", {
        parameterPrefix: environment.dockerHub.parameterPrefix,
        username: environment.dockerHub.username,
        initialToken: dockerHubToken.stringValue,
        kmsKeyArn: environment.dockerHub.kmsKeyArn,
        assumeRoleArn: environment.deploy.assumeRoleArn,
        label: `${environment.name} (SSM)`,
      });
      this.credentials.store.overrideLogicalId(RETAINED.credentialsStore.name);
    } else {
      retainCredentialsStore(this);
    }

    let buildVpc: BuildVpc | undefined;
    if (usesStrategy(environment, "fixed-ip")) {
      ({ network: this.network, vpc: buildVpc } = this.fixedIpNetwork(environment));
    }
    this.retainUnusedElasticIps(environment);

    if (usesStrategy(environment, "mirror")) {
      ({ mirror: this.mirror, secret: this.mirrorSecret, sync: this.mirrorSync, location: this.mirrorLocation } =
        this.ecrMirror(environment, dockerHubToken.stringValue));
    }
    this.retainUnusedMirror(environment);

    const { imageRepository: repository } = environment.build;
    const { repository: repositoryAddress, lifecyclePolicy: lifecycleAddress } = RETAINED.imageRepository;
    if (repository.create) {
      this.imageRepository = new ImageRepository(this, "images", {
        repositoryName: repository.name,
        scanOnPush: repository.scanOnPush,
        tagMutability: repository.tagMutability,
        keepLastImages: repository.keepLastImages,
        untaggedExpiryDays: repository.untaggedExpiryDays,
        removalPolicy: repository.removalPolicy,
        logicalIds: { repository: repositoryAddress.name, lifecyclePolicy: lifecycleAddress.name },
      });
      moved(this, addressOf(LEGACY.imageRepository), addressOf(repositoryAddress));
      moved(this, addressOf(LEGACY.imageRepositoryLifecycle), addressOf(lifecycleAddress));
    } else {
      retainImageRepository(this, environment);
    }

    this.registrySingletons(environment);

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
      assumeRoleArn: environment.deploy.assumeRoleArn,
      label: `${environment.name} (Secrets Manager)`,
      logicalIds: { secret: RETAINED.mirrorSecret.name, store: RETAINED.mirrorSecretStore.name },
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
      retiredRepositories: config.retiredRepositories,
      adoptExisting: config.adoptExisting,
      pinnedLogicalIds: {
        repository: RETAINED.mirrorPinned.repository.name,
        lifecyclePolicy: RETAINED.mirrorPinned.lifecyclePolicy.name,
        repositoryPolicy: RETAINED.mirrorPinned.repositoryPolicy.name,
      },
    });
    // Pinned repositories and their policies were once resources of their own per path: carry them to their
    // instances of the for_each resources (a policy deleted and re-created would race its replacement), and
    // forget those of retired paths as a whole, like the instances.
    const legacyOf = (type: string, path: string) =>
      [LEGACY.mirrorRepository(path), LEGACY.mirrorLifecyclePolicy(path), LEGACY.mirrorRepositoryPolicy(path)].find((legacy) => legacy.type === type)!;
    for (const path of config.pinnedRepositories) {
      for (const { type, name } of mirror.pinnedResources) moved(this, addressOf(legacyOf(type, path)), instanceAddress(type, name, path));
    }
    for (const path of config.retiredRepositories) {
      retain(this, [LEGACY.mirrorRepository(path), LEGACY.mirrorLifecyclePolicy(path), LEGACY.mirrorRepositoryPolicy(path)]);
    }
    if (config.adoptExisting) secret.adopt();
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
   * The registry's scanning configuration and permissions policy, one each
   * per registry: managed only as the config says, covering this stack's
   * repositories and keeping the account's own settings the config lists.
   */
  private registrySingletons(environment: Environment): void {
    const { scanning, policy } = environment.registry;
    const assumeRoleArn = environment.deploy.assumeRoleArn;
    if (scanning.manage && scanning.scanType) {
      const filters = [
        ...(this.mirror?.scanningFilters() ?? []),
        ...(this.imageRepository ? [this.imageRepository.repositoryName] : []),
        ...scanning.additionalFilters,
      ];
      new RegistryScanning(this, "registry-scanning", {
        scanType: scanning.scanType,
        frequency: scanning.frequency,
        repositoryFilters: [...new Set(filters)],
        assumeRoleArn,
        logicalId: RETAINED.registryScanning.name,
      });
      moved(this, addressOf(LEGACY.registryScanning), addressOf(RETAINED.registryScanning));
    } else {
      retainRegistryScanning(this);
    }
    const statements = [...(this.mirror?.registryPolicyStatements() ?? []), ...policy.additionalStatements];
    if (statements.length > 0) {
      new RegistryPolicy(this, "registry-policy", { statements, assumeRoleArn, logicalId: RETAINED.registryPolicy.name });
      moved(this, addressOf(LEGACY.registryPolicy), addressOf(RETAINED.registryPolicy));
    }
    // Otherwise a policy this stack wrote held only the mirror's statements (its check refused others): it goes.
  }

  /** A mirror this config does not host (another strategy, or another account's mirror): see `retainMirror`. */
  private retainUnusedMirror(environment: Environment): void {
    if (!this.mirror) retainMirror(this, environment);
  }

  /** Elastic IPs a previous config may have created and this one does not: see `retainElasticIps`. */
  private retainUnusedElasticIps(environment: Environment): void {
    retainElasticIps(this, environment, this.network?.elasticIps.length ?? 0);
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
    } else if (usesStrategy(this.environment, "fixed-ip") && this.environment.network.vpc === "existing") {
      output("vpc_id", this.environment.network.vpcId, "The builds' VPC (yours).");
      output("private_subnet_ids", [...this.environment.network.privateSubnetIds], "The private subnets builds run in (yours).");
    }
    if (this.credentials) {
      output("dockerhub_username_parameter", this.credentials.usernameParameterName, "SSM parameter holding the Docker Hub username.");
      output("dockerhub_token_parameter", this.credentials.tokenParameterName, "SSM parameter holding the Docker Hub access token.");
    }
    if (this.mirrorLocation) {
      const registry = registryOf(this.mirrorLocation, AwsStack.of(this).urlSuffix);
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
    const writers = [this.credentials?.tokenWriter("rotate"), this.mirrorSecret?.tokenWriter("rotate")].filter((w): w is string => w !== undefined);
    if (writers.length > 0) {
      const stores = writers.length === 2 ? "SSM and Secrets Manager" : this.credentials ? "SSM" : "Secrets Manager";
      const target = {
        accountId: this.environment.accountId,
        region: this.environment.region,
        assumeRoleArn: this.environment.deploy.assumeRoleArn,
        label: `${this.environment.name} (${stores})`,
      };
      output(
        "dockerhub_set_token_command",
        terraformLiteral(dockerHubTokenCommand(writers, target)),
        "Stores or rotates the Docker Hub token everywhere this stack keeps it: run it and paste the token (or pipe it in).",
      );
    }
  }
}
