/** AWS regions and zones, as facts: no AWS call, no cdktf. */

/**
 * Regions the pinned AWS provider (hashicorp/aws 5.100.0) accepts. A region
 * outside this list fails in `terraform plan`; we fail earlier, at synth.
 */
export const KNOWN_REGIONS: readonly string[] = [
  "af-south-1",
  "ap-east-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-south-1",
  "ap-south-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-7",
  "ca-central-1",
  "ca-west-1",
  "cn-north-1",
  "cn-northwest-1",
  "eu-central-1",
  "eu-central-2",
  "eu-north-1",
  "eu-south-1",
  "eu-south-2",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "il-central-1",
  "me-central-1",
  "me-south-1",
  "mx-central-1",
  "sa-east-1",
  "us-east-1",
  "us-east-2",
  "us-gov-east-1",
  "us-gov-west-1",
  "us-west-1",
  "us-west-2",
];

/**
 * Two zones to use when config names none. Zone names map to different
 * physical zones per account, and a few names do not exist in every account
 * (ap-northeast-1b, us-west-1a for newer accounts): list yours with
 * `aws ec2 describe-availability-zones` and set them in config.
 */
export function defaultAvailabilityZones(region: string): string[] {
  const letters: Record<string, [string, string]> = { "ap-northeast-1": ["a", "c"], "us-west-1": ["b", "c"] };
  return (letters[region] ?? ["a", "b"]).map((letter) => `${region}${letter}`);
}
