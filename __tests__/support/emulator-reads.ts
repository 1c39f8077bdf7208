/**
 * Reading the emulator back with the AWS SDK: what a deploy actually left in
 * the account, independent of what Terraform's state says.
 */
import { DescribeAddressesCommand, DescribeNatGatewaysCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  GetRepositoryPolicyCommand,
  RepositoryNotFoundException,
} from "@aws-sdk/client-ecr";
import { GetSecretValueCommand, ListSecretVersionIdsCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, GetParameterHistoryCommand, ParameterNotFound, SSMClient } from "@aws-sdk/client-ssm";
import { S3Client } from "@aws-sdk/client-s3";
import { Credentials } from "../../terraform";
import { Emulator, RecordedRequest } from "./emulator";

/** An S3 client for the emulator: path-style, and without flexible checksums (moto checks the signature of a plain payload only). */
export function emulatorS3(emulator: Emulator, region: string, credentials: Credentials = emulator.credentials): S3Client {
  return new S3Client({
    ...emulator.clientConfig(region),
    credentials,
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** SDK clients for one emulator account and region. */
export class EmulatorReader {
  readonly ssm: SSMClient;
  readonly ec2: EC2Client;
  readonly ecr: ECRClient;
  readonly secrets: SecretsManagerClient;

  constructor(emulator: Emulator, region: string) {
    const config = emulator.clientConfig(region);
    this.ssm = new SSMClient(config);
    this.ec2 = new EC2Client(config);
    this.ecr = new ECRClient(config);
    this.secrets = new SecretsManagerClient(config);
  }

  /** Closes the clients' connections. */
  destroy(): void {
    for (const client of [this.ssm, this.ec2, this.ecr, this.secrets]) client.destroy();
  }

  /** A parameter's decrypted value and version, or undefined when it does not exist. */
  async parameter(name: string): Promise<{ value: string; version: number; type: string; labels: string[]; keyId?: string } | undefined> {
    try {
      const { Parameter } = await this.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      const history = await this.ssm.send(new GetParameterHistoryCommand({ Name: name }));
      const current = history.Parameters?.find((p) => p.Version === Parameter?.Version);
      return { value: Parameter!.Value!, version: Parameter!.Version!, type: Parameter!.Type!, labels: current?.Labels ?? [], keyId: current?.KeyId };
    } catch (error) {
      if (error instanceof ParameterNotFound) return undefined;
      throw error;
    }
  }

  /** The secret's current value (parsed JSON), its number of versions, and the stages of the current one. */
  async secret(name: string): Promise<{ value: Record<string, string>; versions: number; stages: string[] }> {
    const { SecretString, VersionStages } = await this.secrets.send(new GetSecretValueCommand({ SecretId: name }));
    const { Versions } = await this.secrets.send(new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true }));
    return { value: JSON.parse(SecretString!) as Record<string, string>, versions: Versions?.length ?? 0, stages: VersionStages ?? [] };
  }

  /** Every Elastic IP's allocation id. */
  async elasticIps(): Promise<string[]> {
    const { Addresses } = await this.ec2.send(new DescribeAddressesCommand({}));
    return (Addresses ?? []).map((address) => address.AllocationId!).sort();
  }

  /** NAT gateways that are not deleted, with their Elastic IPs. */
  async natGateways(): Promise<{ id: string; allocationIds: string[] }[]> {
    const { NatGateways } = await this.ec2.send(new DescribeNatGatewaysCommand({}));
    return (NatGateways ?? [])
      .filter((nat) => nat.State !== "deleted" && nat.State !== "deleting")
      .map((nat) => ({ id: nat.NatGatewayId!, allocationIds: (nat.NatGatewayAddresses ?? []).map((a) => a.AllocationId!) }));
  }

  /** A repository with its image tags and policies, or undefined when it does not exist. */
  async repository(name: string): Promise<{ tags: string[]; lifecyclePolicy?: string; repositoryPolicy?: string } | undefined> {
    try {
      await this.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }));
    } catch (error) {
      if (error instanceof RepositoryNotFoundException) return undefined;
      throw error;
    }
    const { imageDetails } = await this.ecr.send(new DescribeImagesCommand({ repositoryName: name }));
    const optional = async (read: () => Promise<string | undefined>) => {
      try {
        return await read();
      } catch {
        return undefined;
      }
    };
    return {
      tags: (imageDetails ?? []).flatMap((image) => image.imageTags ?? []).sort(),
      lifecyclePolicy: await optional(async () => (await this.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: name }))).lifecyclePolicyText),
      repositoryPolicy: await optional(async () => (await this.ecr.send(new GetRepositoryPolicyCommand({ repositoryName: name }))).policyText),
    };
  }
}

/** Recorded requests that return (or decrypt) a secret value: what a plan role must never be able to make. */
export function secretValueReads(requests: readonly RecordedRequest[]): RecordedRequest[] {
  return requests.filter(
    (r) =>
      (r.service === "secretsmanager" && ["GetSecretValue", "BatchGetSecretValue"].includes(r.action)) ||
      (r.service === "kms" && r.action === "Decrypt") ||
      (r.service === "ssm" &&
        ["GetParameter", "GetParameters", "GetParametersByPath", "GetParameterHistory"].includes(r.action) &&
        String(r.parameters.WithDecryption) === "true"),
  );
}
