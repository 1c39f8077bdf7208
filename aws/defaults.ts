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
