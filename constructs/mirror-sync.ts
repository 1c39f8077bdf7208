import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { Construct } from "constructs";
import { DEFAULTS, ROLE_NAMES, syncAlarmName } from "../aws/defaults";
import { LogRetentionDays } from "../aws/rules";
import { AwsStack } from "./aws-stack";
import { mirrorSyncBuildSpec, renderBuildSpec } from "./buildspec";
import { DockerBuildProject } from "./docker-build-project";
import { DockerHubSecret } from "./dockerhub-secret";
import { EcrMirror } from "./ecr-mirror";
import { ServiceRole } from "./service-role";

export interface MirrorSyncProps {
  /** The sync job's CodeBuild project name (also names its schedule and alarm). */
  readonly projectName: string;
  /** The mirror whose pinned repositories the job fills. */
  readonly mirror: EcrMirror;
  /** What to copy, by tag: `library/node:20` (Docker Hub), `public.ecr.aws/docker/library/python:3.12-slim`, `ghcr.io/org/tool:1.2`. */
  readonly images: readonly string[];
  /** Docker Hub credentials, so the copies stay inside the account's pull limit. */
  readonly dockerHubSecret: DockerHubSecret;
  /** An EventBridge Scheduler expression. @default MirrorSync.DEFAULT_SCHEDULE ("rate(1 day)") */
  readonly schedule?: string;
  /** SNS topic the failure alarm notifies. @default - the alarm changes state and notifies nobody */
  readonly alarmTopicArn?: string;
  /** @default DockerBuildProject.DEFAULT_IMAGE */
  readonly image?: string;
  /** @default DockerBuildProject.DEFAULT_LOG_RETENTION_DAYS */
  readonly logRetentionDays?: LogRetentionDays;
}

/**
 * The scheduled job that copies a pinned list of images into the mirror: an
 * EventBridge Scheduler schedule starts a CodeBuild project whose buildspec
 * runs `mirror-sync.sh`; a failed run raises a CloudWatch alarm.
 */
export class MirrorSync extends Construct {
  static readonly DEFAULT_SCHEDULE = DEFAULTS.mirror.syncSchedule;

  /** CodeBuild's Start Build, called by the scheduler's universal target, in the partition's ARN form. */
  static startBuildTarget(partition: string): string {
    return `arn:${partition}:scheduler:::aws-sdk:codebuild:startBuild`;
  }

  readonly project: DockerBuildProject;
  readonly schedule: SchedulerSchedule;
  readonly alarm: CloudwatchMetricAlarm;

  constructor(scope: Construct, id: string, props: MirrorSyncProps) {
    super(scope, id);
    const { accountId, partition } = AwsStack.of(this);
    const { mirror, dockerHubSecret } = props;

    this.project = new DockerBuildProject(this, "job", {
      projectName: props.projectName,
      source: { type: "NO_SOURCE" },
      buildSpec: renderBuildSpec(mirrorSyncBuildSpec()),
      image: props.image,
      logRetentionDays: props.logRetentionDays,
      environmentVariables: [
        { name: "MIRROR_IMAGES", type: "PLAINTEXT", value: props.images.join("\n") },
        { name: "MIRROR_TARGET", type: "PLAINTEXT", value: `${mirror.registry}/${mirror.location.pinnedPrefix}` },
        { name: "ECR_REGISTRY", type: "PLAINTEXT", value: mirror.registry },
        { name: "DOCKERHUB_USERNAME", type: "SECRETS_MANAGER", value: `${dockerHubSecret.secretName}:username` },
        { name: "DOCKERHUB_TOKEN", type: "SECRETS_MANAGER", value: `${dockerHubSecret.secretName}:accessToken` },
      ],
    });
    mirror.grantPushPinned(this.project.role);
    dockerHubSecret.grantRead(this.project.role);

    const schedulerRole = new ServiceRole(this, "scheduler-role", {
      roleName: ROLE_NAMES.scheduler(props.projectName),
      servicePrincipal: "scheduler.amazonaws.com",
      description: `Starts ${props.projectName} on its schedule`,
      trustConditions: { StringEquals: { "aws:SourceAccount": accountId } },
    });
    schedulerRole.addToPrincipalPolicy({ sid: "StartSync", actions: ["codebuild:StartBuild"], resources: [this.project.projectArn] });

    this.schedule = new SchedulerSchedule(this, "schedule", {
      name: props.projectName,
      description: "Copies the pinned images into the mirror",
      scheduleExpression: props.schedule ?? MirrorSync.DEFAULT_SCHEDULE,
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        arn: MirrorSync.startBuildTarget(partition),
        roleArn: schedulerRole.roleArn,
        input: JSON.stringify({ ProjectName: props.projectName }),
        retryPolicy: { maximumRetryAttempts: 2 },
      },
      dependsOn: [schedulerRole.policy, this.project.project],
    });

    const actions = props.alarmTopicArn ? [props.alarmTopicArn] : undefined;
    this.alarm = new CloudwatchMetricAlarm(this, "failed", {
      alarmName: syncAlarmName(props.projectName),
      alarmDescription: `The mirror sync ${props.projectName} failed: an image was not copied (see its CodeBuild logs).`,
      namespace: "AWS/CodeBuild",
      metricName: "FailedBuilds",
      dimensions: { ProjectName: props.projectName },
      statistic: "Sum",
      // One day, so a failed daily run stays visible until the next one.
      period: 86400,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
      alarmActions: actions,
      okActions: actions,
    });
  }
}
