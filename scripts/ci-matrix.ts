/**
 * `npm run --silent ci:matrix`: the GitHub Actions matrices, from the
 * environment files, as `$GITHUB_OUTPUT` lines:
 *   environments=[{"name":"dev","account":...,"region":...,"planRoleArn":"..."}]   every environment (plans)
 *     (audience: the OIDC token audience the roles trust, sts.amazonaws.com or sts.amazonaws.com.cn)
 *   deployable=[...]                                                                those with a deploy role
 */
import * as path from "node:path";
import { ConfigError, Environment, loadEnvironments } from "../config";
import { stsAudience } from "../aws/partitions";

export function matrixEntry(environment: Environment): Record<string, string> {
  return {
    name: environment.name,
    account: environment.accountId,
    region: environment.region,
    // What GitHub's OIDC token is issued for: STS in the environment's partition.
    audience: stsAudience(environment.region),
    planRoleArn: environment.deploy.ciPlanRoleArn ?? "",
    deployRoleArn: environment.deploy.ciDeployRoleArn ?? "",
  };
}

try {
  const environments = loadEnvironments({ projectRoot: path.resolve(__dirname, "..") });
  console.log(`environments=${JSON.stringify(environments.map(matrixEntry))}`);
  console.log(`deployable=${JSON.stringify(environments.filter((e) => e.deploy.ciDeployRoleArn).map(matrixEntry))}`);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
