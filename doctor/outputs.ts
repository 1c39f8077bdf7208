/**
 * The stack's outputs (egress_public_ips, nat_gateway_ids, ...), read from
 * the state its backend recorded: what the deploy promised, for the checks to
 * hold the account against. The state holds no secret (the token never enters
 * it), so reading it reads no secret value.
 */
import * as fs from "node:fs";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { Environment } from "../config/environment";
import { describeError } from "./check";
import { Connection } from "./aws";

/** Output name to value, as `terraform output -json` gives the values. */
export type StackOutputs = Readonly<Record<string, unknown>>;

/** The outputs, or why there are none (for the checks' messages). */
export type OutputsSource =
  | { readonly outputs: StackOutputs; readonly where: string }
  | { readonly outputs?: undefined; readonly where: string; readonly problem: string };

/** Reads the outputs from the environment's state: the local file, or the S3 object (with the backend's role). */
export async function readStackOutputs(environment: Environment, connection: Pick<Connection, "stateS3">): Promise<OutputsSource> {
  const state = environment.state;
  switch (state.backend) {
    case "local": {
      if (!fs.existsSync(state.path)) return { where: state.path, problem: `no state at ${state.path} (not deployed from here yet?)` };
      return fromStateText(fs.readFileSync(state.path, "utf8"), state.path);
    }
    case "s3": {
      const where = `s3://${state.bucket}/${state.key}`;
      try {
        const s3 = await connection.stateS3(state.region, state.roleArn);
        const { Body } = await s3.send(new GetObjectCommand({ Bucket: state.bucket, Key: state.key }));
        return fromStateText((await Body?.transformToString("utf8")) ?? "", where);
      } catch (error) {
        return { where, problem: `could not read the state at ${where}: ${describeError(error)}` };
      }
    }
    case "cloud":
      return {
        where: `HCP Terraform ${state.organization}/${state.workspace}`,
        problem: "the state is in HCP Terraform, which the doctor does not read",
      };
  }
}

/** The outputs of a state file's text (Terraform's state JSON, version 4). */
export function fromStateText(text: string, where: string): OutputsSource {
  let state: { outputs?: Record<string, { value?: unknown }> };
  try {
    state = JSON.parse(text) as typeof state;
  } catch {
    return { where, problem: `the state at ${where} is not JSON` };
  }
  const outputs = Object.fromEntries(Object.entries(state.outputs ?? {}).map(([name, output]) => [name, output.value]));
  return Object.keys(outputs).length > 0 ? { outputs, where } : { where, problem: `the state at ${where} has no outputs (not deployed yet?)` };
}

/** An output that should be a list of strings (egress_public_ips, private_subnet_ids, ...); undefined when absent. */
export function stringList(outputs: StackOutputs | undefined, name: string): string[] | undefined {
  const value = outputs?.[name];
  return Array.isArray(value) ? value.map(String) : undefined;
}
