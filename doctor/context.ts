/** What every check is given: the environment, the clients, and the stack's outputs (read once). */
import { partitionOf } from "../aws/partitions";
import { Environment } from "../config/environment";
import { DoctorClients, Identity } from "./aws";
import { OutputsSource } from "./outputs";

export interface DoctorContext {
  readonly environment: Environment;
  readonly clients: DoctorClients;
  readonly identity: Identity;
  /** The stack's outputs, read on first use and shared by the checks that need them. */
  outputs(): Promise<OutputsSource>;
  /** Where the smoke build's progress line goes (a terminal's stderr), never into the report. */
  progress(line: string): void;
  /** Waits between polls; tests pass one that does not wait. */
  sleep(ms: number): Promise<void>;
}

/** The ARN of a role the stack creates, by name (service roles have the path "/"). */
export function roleArn(environment: Environment, roleName: string): string {
  return `arn:${partitionOf(environment.region)}:iam::${environment.accountId}:role/${roleName}`;
}

/** An SSM parameter's ARN, from its name (which starts with "/"). */
export function parameterArn(environment: Environment, name: string): string {
  return `arn:${partitionOf(environment.region)}:ssm:${environment.region}:${environment.accountId}:parameter${name}`;
}

/** The command that stores the token, as the README gives it: every fix about the token says to run it. */
export function setTokenCommand(environment: Environment): string {
  return `eval "$(terraform -chdir=cdktf.out/stacks/${environment.name} output -raw dockerhub_set_token_command)"`;
}

/** What to run when the account lacks what the stack creates. */
export function deployCommand(environment: Environment): string {
  return `deploy the stack again (npx cdktf deploy ${environment.name})`;
}
