/**
 * The defaults of the constructs, in one place without cdktf: the constructs
 * apply them, and the config schema documents and applies the same values.
 */
export const DEFAULTS = {
  buildProject: {
    /** CodeBuild-curated: CodeBuild pulls it itself, never from Docker Hub. */
    image: "aws/codebuild/standard:7.0",
    computeType: "BUILD_GENERAL1_SMALL",
    timeoutMinutes: 60,
    logRetentionDays: 30,
  },
  imageRepository: {
    tagMutability: "IMMUTABLE",
    keepLastImages: 30,
    untaggedExpiryDays: 7,
    removalPolicy: "retain",
  },
  mirror: {
    dockerHubPrefix: "docker-hub",
    ecrPublicPrefix: "ecr-public",
    pinnedPrefix: "mirror",
    untaggedExpiryDays: 7,
    keepLastImages: 50,
    syncSchedule: "rate(1 day)",
  },
  network: {
    cidr: "10.42.0.0/16",
    maxAvailabilityZones: 6,
  },
} as const;

/** The names of what the constructs create from their project's name: the config checks their length, the doctor looks them up. */
export const ROLE_NAMES = {
  /** DockerBuildProject's service role. */
  build: (projectName: string) => `${projectName}-build`,
  /** MirrorSync's EventBridge Scheduler role. */
  scheduler: (projectName: string) => `${projectName}-scheduler`,
} as const;

/** MirrorSync's alarm on a failed sync run. */
export const syncAlarmName = (projectName: string) => `${projectName}-failed`;
