import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { Construct } from "constructs";
import { protectStateful } from "./private/stateful";
import { DEFAULTS } from "../aws/defaults";
import { named, refuse, repositoryNameProblem, wholeNumberProblem } from "../aws/rules";
import { AwsStack, formatArn } from "./aws-stack";
import { IGrantable } from "./iam";

export interface ImageRepositoryProps {
  /** Repository name, e.g. `docker-builds-dev`. */
  readonly repositoryName: string;
  /** @default true */
  readonly scanOnPush?: boolean;
  /** @default ImageRepository.DEFAULT_TAG_MUTABILITY ("IMMUTABLE") */
  readonly tagMutability?: "IMMUTABLE" | "MUTABLE";
  /** Lifecycle policy: keep this many most recent images. @default ImageRepository.DEFAULT_KEEP_LAST_IMAGES (30) */
  readonly keepLastImages?: number;
  /** Lifecycle policy: expire untagged images after this many days. @default ImageRepository.DEFAULT_UNTAGGED_EXPIRY_DAYS (7) */
  readonly untaggedExpiryDays?: number;
  /** Customer managed KMS key ARN. @default - AES256 (ECR's own key, no charge) */
  readonly kmsKeyArn?: string;
  /**
   * `"retain"`: the repository carries `prevent_destroy` (the images builds
   * pushed are data). `"destroy"`: it can be deleted, with its images (`force_delete`).
   * @default ImageRepository.DEFAULT_REMOVAL_POLICY ("retain")
   */
  readonly removalPolicy?: "retain" | "destroy";
  /**
   * Pins the Terraform addresses of the repository and its lifecycle policy
   * (set here: cdktf fixes an id once referenced).
   * @default - cdktf's ids, derived from the construct path
   */
  readonly logicalIds?: { readonly repository: string; readonly lifecyclePolicy: string };
}

/**
 * An ECR repository for the images a build produces: scanned on push,
 * lifecycle-managed, and kept (prevent_destroy) unless its removal policy
 * says otherwise: ECR refuses to delete a repository that still holds images
 * unless forced, and a refused delete would stop an apply half-way.
 */
export class ImageRepository extends Construct {
  static readonly DEFAULT_TAG_MUTABILITY = DEFAULTS.imageRepository.tagMutability;
  static readonly DEFAULT_KEEP_LAST_IMAGES = DEFAULTS.imageRepository.keepLastImages;
  static readonly DEFAULT_UNTAGGED_EXPIRY_DAYS = DEFAULTS.imageRepository.untaggedExpiryDays;
  static readonly DEFAULT_REMOVAL_POLICY = DEFAULTS.imageRepository.removalPolicy;

  readonly repository: EcrRepository;
  readonly lifecyclePolicy: EcrLifecyclePolicy;
  readonly repositoryName: string;
  /** ARN built from the name, so policies are known at plan time. */
  readonly repositoryArn: string;
  /** `<account>.dkr.ecr.<region>.amazonaws.com`. */
  readonly registry: string;
  /** `<registry>/<name>`: what `docker push` takes. */
  readonly repositoryUrl: string;

  constructor(scope: Construct, id: string, props: ImageRepositoryProps) {
    super(scope, id);
    refuse(this.node.path, [
      named("repositoryName", props.repositoryName, repositoryNameProblem),
      named("keepLastImages", props.keepLastImages, (days) => wholeNumberProblem(days, 1, 10000)),
      named("untaggedExpiryDays", props.untaggedExpiryDays, (days) => wholeNumberProblem(days, 1, 3650)),
    ]);
    const environment = AwsStack.of(this);
    this.repositoryName = props.repositoryName;
    this.repositoryArn = formatArn(this, { service: "ecr", resource: `repository/${props.repositoryName}` });
    this.registry = `${environment.accountId}.dkr.ecr.${environment.region}.${environment.urlSuffix}`;
    this.repositoryUrl = `${this.registry}/${props.repositoryName}`;
    const retain = (props.removalPolicy ?? ImageRepository.DEFAULT_REMOVAL_POLICY) === "retain";

    this.repository = new EcrRepository(this, "repository", {
      name: props.repositoryName,
      imageTagMutability: props.tagMutability ?? ImageRepository.DEFAULT_TAG_MUTABILITY,
      imageScanningConfiguration: { scanOnPush: props.scanOnPush ?? true },
      encryptionConfiguration: [
        props.kmsKeyArn ? { encryptionType: "KMS", kmsKey: props.kmsKeyArn } : { encryptionType: "AES256" },
      ],
      forceDelete: !retain,
    });
    if (props.logicalIds) this.repository.overrideLogicalId(props.logicalIds.repository);
    protectStateful(this.repository, { holds: "the images builds pushed", removalPolicy: retain ? "retain" : "destroy" });

    this.lifecyclePolicy = new EcrLifecyclePolicy(this, "lifecycle", {
      repository: this.repository.name,
      policy: lifecyclePolicy(
        props.untaggedExpiryDays ?? ImageRepository.DEFAULT_UNTAGGED_EXPIRY_DAYS,
        props.keepLastImages ?? ImageRepository.DEFAULT_KEEP_LAST_IMAGES,
      ),
    });
    if (props.logicalIds) this.lifecyclePolicy.overrideLogicalId(props.logicalIds.lifecyclePolicy);
  }

  /** Lets `grantee` push images to this repository (and pull, for layer reuse), and log in to ECR. */
  grantPush(grantee: IGrantable): void {
    grantEcrLogin(grantee);
    grantee.addToPrincipalPolicy({ sid: "PushToImageRepository", actions: ECR_PUSH_ACTIONS, resources: [this.repositoryArn] });
  }
}

/** What pulling an image takes. */
export const ECR_PULL_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"];

/** What pushing an image takes (pulls included, for layer reuse). */
export const ECR_PUSH_ACTIONS = [
  "ecr:BatchCheckLayerAvailability",
  "ecr:BatchGetImage",
  "ecr:CompleteLayerUpload",
  "ecr:GetDownloadUrlForLayer",
  "ecr:InitiateLayerUpload",
  "ecr:PutImage",
  "ecr:UploadLayerPart",
];

/** An ECR lifecycle policy: expire untagged images after some days, keep the last N images. */
export function lifecyclePolicy(untaggedExpiryDays: number, keepLastImages: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `Expire untagged images after ${untaggedExpiryDays} days`,
        selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: untaggedExpiryDays },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
        description: `Keep the last ${keepLastImages} images`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keepLastImages },
        action: { type: "expire" },
      },
    ],
  });
}

/** `ecr:GetAuthorizationToken` supports no resource type: its resource is `*` by AWS's design. */
export function grantEcrLogin(grantee: IGrantable): void {
  grantee.addToPrincipalPolicy({ sid: "EcrLogin", actions: ["ecr:GetAuthorizationToken"], resources: ["*"] });
}
