/** A valid environment file as the stacks need it: every default and derived name (stacks, buckets, roles) filled in. */
import * as path from "node:path";
import { repositoryPathOf } from "../aws/images";
import { partitionOf } from "../aws/partitions";
import { defaultAvailabilityZones } from "../aws/regions";
import { Bootstrap, BootstrapRole, Environment } from "./environment";
import { EnvironmentFile, STRATEGIES, Strategy } from "./schema";

/** The bootstrap of environment <name> is the stack <name>-bootstrap. */
export const BOOTSTRAP_SUFFIX = "-bootstrap";

/** A valid file as the stack needs it: every default and derived name filled in. */
export function resolveEnvironment(name: string, file: string, config: EnvironmentFile, projectRoot: string, buildspec?: string): Environment {
  const base = `${config.project}-${name}`;
  const { buildspecFile: _file, ...build } = config.build;
  const { network, mirror } = config;
  const state = resolveState(config, name, projectRoot);
  const bootstrap = resolveBootstrap(config, name, projectRoot, state);
  return {
    name,
    file,
    accountId: config.account,
    region: config.region,
    strategies: normalizeStrategies(config.strategy),
    project: config.project,
    tags: { environment: name, project: config.project, "managed-by": "cdktf", ...config.tags },
    state,
    deploy: config.deploy,
    ...(bootstrap ? { bootstrap } : {}),
    registry: config.registry,
    estimates: config.estimates,
    policy: config.policy,
    dockerHub: {
      ...config.dockerHub,
      parameterPrefix: config.dockerHub.parameterPrefix ?? `/${config.project}/${name}/dockerhub`,
    },
    build: {
      ...build,
      projectName: build.projectName ?? base,
      ...(buildspec === undefined ? {} : { buildspec }),
      imageRepository: { ...build.imageRepository, name: build.imageRepository.name ?? base },
    },
    network: network.vpc === "new" ? { ...network, availabilityZones: network.availabilityZones ?? defaultAvailabilityZones(config.region) } : network,
    mirror:
      mirror.registry === "shared"
        ? { ...mirror, region: mirror.region ?? config.region }
        : {
            ...mirror,
            secretName: `ecr-pullthroughcache/${base}-docker-hub`,
            syncProjectName: `${base}-mirror-sync`,
            pinnedRepositories: [...new Set(mirror.images.map(repositoryPathOf))],
            retiredRepositories: [...new Set(mirror.retiredImages.map(repositoryPathOf))],
          },
  };
}

function resolveState(config: EnvironmentFile, name: string, projectRoot: string): Environment["state"] {
  const state = config.state;
  switch (state.backend) {
    case "local":
      return { backend: "local", path: path.resolve(projectRoot, state.path ?? `terraform.${name}.tfstate`) };
    case "s3":
      return { ...state, key: state.key ?? `${config.project}/${name}/terraform.tfstate`, region: state.region ?? config.region };
    case "cloud":
      return { ...state, workspace: state.workspace ?? `${config.project}-${name}` };
  }
}

/**
 * The bootstrap stack, when the environment needs one: CI roles to create,
 * or a state bucket to create. Its own state starts local and moves into
 * the environment's bucket (`bootstrap.state: "s3"`), under its own key.
 */
function resolveBootstrap(config: EnvironmentFile, name: string, projectRoot: string, state: Environment["state"]): Bootstrap | undefined {
  const { ciPlanRoleArn, ciDeployRoleArn, githubRepository } = config.deploy;
  const createsBucket = state.backend === "s3" && config.bootstrap.stateBucket === "create";
  if (!ciPlanRoleArn && !ciDeployRoleArn && !createsBucket) return undefined;
  const stackName = `${name}${BOOTSTRAP_SUFFIX}`;
  const environmentState = state.backend === "s3" ? { bucket: state.bucket, key: state.key, region: state.region, kmsKeyId: state.kmsKeyId } : undefined;
  const partition = partitionOf(config.region);
  const stateKey = `${config.project}/${stackName}/terraform.tfstate`;
  return {
    stackName,
    stateKey,
    githubRepository,
    githubOidcProvider: config.bootstrap.githubOidcProvider,
    stateBucket: createsBucket ? { name: state.bucket, versionRetentionDays: config.bootstrap.stateVersionRetentionDays, kmsKeyId: state.kmsKeyId } : undefined,
    environmentState,
    state:
      config.bootstrap.state === "s3" && environmentState
        ? { backend: "s3", bucket: environmentState.bucket, key: stateKey, region: environmentState.region, kmsKeyId: environmentState.kmsKeyId }
        : { backend: "local", path: path.resolve(projectRoot, `terraform.${stackName}.tfstate`) },
    planRole: ciPlanRoleArn ? roleOf(ciPlanRoleArn) : undefined,
    deployRole: ciDeployRoleArn ? roleOf(ciDeployRoleArn) : undefined,
    permissionsBoundary: ciDeployRoleArn
      ? { name: `${config.project}-${name}-boundary`, arn: `arn:${partition}:iam::${config.account}:policy/${config.project}-${name}-boundary` }
      : undefined,
  };
}

/** A role's name and path, from its ARN (arn:aws:iam::<account>:role/<path/><name>). */
function roleOf(arn: string): BootstrapRole {
  const resource = arn.slice(arn.indexOf(":role/") + ":role/".length);
  const slash = resource.lastIndexOf("/");
  return { arn, name: resource.slice(slash + 1), path: slash < 0 ? "/" : `/${resource.slice(0, slash + 1)}` };
}

/** One strategy or a list of them, as a list in the order of STRATEGIES (the schema refused duplicates). */
export function normalizeStrategies(strategy: EnvironmentFile["strategy"]): Strategy[] {
  const listed: readonly Strategy[] = typeof strategy === "string" ? [strategy] : strategy;
  return STRATEGIES.filter((s) => listed.includes(s));
}
