import { Construct } from "constructs";
import { AwsStack } from "../constructs/aws-stack";
import { Environment } from "../config/environment";
import { configureEnvironmentStack } from "./backend";
import { LEGACY, retain, retainCredentialsStore, retainElasticIps, retainImageRepository, retainMirror, retainRegistryPolicy, retainRegistryScanning } from "./retained";

/**
 * An environment's teardown: its provider and backend (the same state as its
 * DockerPullStack) and no resources, so applying it deletes everything the
 * environment's stack manages except what users rely on. Elastic IPs, the
 * mirror's secret and pinned repositories, and the build's image repository
 * are forgotten and stay in AWS (unless their removal policy is "destroy"),
 * and so is the registry's scanning configuration (deleting it resets the
 * registry) and a registry policy with the account's own statements; the
 * SSM parameters were never Terraform's to delete.
 *
 * A plain `cdktf destroy` stops at the first protected resource
 * (prevent_destroy) and deletes nothing: this is the way to take an
 * environment down. `npm run teardown -- <env>` applies it.
 */
export class TeardownStack extends AwsStack {
  constructor(scope: Construct, id: string, readonly environment: Environment) {
    super(scope, id, { accountId: environment.accountId, region: environment.region });
    configureEnvironmentStack(this, environment, environment.state);
    retain(this, [...LEGACY.dockerHubParameters, LEGACY.mirrorSecretVersion]);
    retainCredentialsStore(this);
    retainElasticIps(this, environment, 0);
    retainMirror(this, environment);
    retainImageRepository(this, environment);
    retainRegistryScanning(this);
    retainRegistryPolicy(this, environment);
  }
}
