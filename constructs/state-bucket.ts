import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import { protectStateful } from "./private/stateful";
import { AwsStack } from "./aws-stack";

export interface StateBucketProps {
  /** The bucket's name (3 to 63 lower-case letters, digits, dots and hyphens). */
  readonly bucketName: string;
  /** Days a replaced or deleted state version is kept before it expires (1 to 3650). */
  readonly noncurrentVersionExpiryDays: number;
  /**
   * A KMS key the bucket encrypts with by default (`aws:kms`, with an S3
   * bucket key); the backend's `kms_key_id` should name the same key.
   * @default - SSE-S3 (AES256)
   */
  readonly kmsKeyArn?: string;
}

const BUCKET_NAME = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * An S3 bucket for Terraform state: versioned (every state ever written can
 * be restored), encrypted, public access blocked, TLS only, replaced
 * versions expired after a set time, and never destroyed by Terraform
 * (`prevent_destroy`): the state of every deploy lives here.
 */
export class StateBucket extends Construct {
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);
    if (!BUCKET_NAME.test(props.bucketName)) {
      throw new Error(`${this.node.path}: bucketName "${props.bucketName}" is not a valid S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens)`);
    }
    if (!Number.isInteger(props.noncurrentVersionExpiryDays) || props.noncurrentVersionExpiryDays < 1 || props.noncurrentVersionExpiryDays > 3650) {
      throw new Error(`${this.node.path}: noncurrentVersionExpiryDays must be a whole number from 1 to 3650, got ${props.noncurrentVersionExpiryDays}`);
    }
    const { partition } = AwsStack.of(this);
    this.bucket = new S3Bucket(this, "bucket", { bucket: props.bucketName });
    protectStateful(this.bucket, { holds: "the recorded state of every deploy" });
    const bucket = this.bucket.id;

    new S3BucketVersioningA(this, "versioning", { bucket, versioningConfiguration: { status: "Enabled" } });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket,
      rule: [
        {
          applyServerSideEncryptionByDefault: props.kmsKeyArn ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKeyArn } : { sseAlgorithm: "AES256" },
          bucketKeyEnabled: props.kmsKeyArn ? true : undefined,
        },
      ],
    });
    const publicAccess = new S3BucketPublicAccessBlock(this, "public-access", {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } });
    const arn = `arn:${partition}:s3:::${props.bucketName}`;
    new S3BucketPolicy(this, "policy", {
      bucket,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "TlsOnly",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [arn, `${arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      }),
      // S3 refuses concurrent changes to one bucket's access settings: one after the other.
      dependsOn: [publicAccess],
    });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket,
      rule: [
        {
          id: "expire-replaced-state",
          status: "Enabled",
          filter: [{}],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionExpiryDays }],
          // Delete markers left once every older version has expired.
          expiration: [{ expiredObjectDeleteMarker: true }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
  }

  get bucketName(): string {
    return this.bucket.bucket;
  }
}
