/**
 * The AWS API emulator the apply tests deploy into: moto's server
 * (`moto_server`), one process per AWS account (moto answers as the account
 * in MOTO_ACCOUNT_ID; access keys do not select it), on a free loopback port,
 * started by the tests and stopped by PID when they end (also when they fail).
 *
 * Missing moto: the apply tests are skipped, loudly; REQUIRE_EMULATOR=1 (what
 * CI sets) makes that a failure.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import { Credentials, EMULATOR_CREDENTIALS, emulatorEnvironment, findOnPath, warnLoudly } from "../../terraform";

const MOTO_SERVER = process.env.MOTO_SERVER_BINARY ?? findOnPath("moto_server");

function emulatorAvailable(): boolean {
  if (MOTO_SERVER && fs.existsSync(MOTO_SERVER)) return true;
  const message =
    "moto_server not found on PATH (or MOTO_SERVER_BINARY): the apply tests against the AWS API emulator cannot run. " +
    "Install it with: pip install 'moto[server]==5.2.1'.";
  if (process.env.REQUIRE_EMULATOR === "1") throw new Error(`${message} REQUIRE_EMULATOR=1 makes this a failure.`);
  warnLoudly(message);
  return false;
}

export const hasEmulator = emulatorAvailable();

/** One request the emulator recorded. */
export interface RecordedRequest {
  /** The service, from the request's signature scope: `ssm`, `secretsmanager`, `kms`, ... */
  readonly service: string;
  /** The API action: `GetParameter`, `DescribeSecret`, ... */
  readonly action: string;
  /** The request's parameters (JSON or form body), as sent. */
  readonly parameters: Record<string, unknown>;
}

export interface Emulator {
  readonly accountId: string;
  /**
   * The keys everything is called with unless told otherwise: any keys for a
   * plain emulator; with IAM enforced, an administrator's, made at start.
   */
  readonly credentials: Credentials;
  /** Whether the emulator enforces identity policies (see `startEmulator`). */
  readonly enforcesIam: boolean;
  /** `http://127.0.0.1:<port>`: what the provider's endpoints, the AWS CLI and the SDK point at. */
  readonly endpoint: string;
  readonly pid: number;
  /** The environment for an AWS CLI (or anything using the default credential chain) to talk to this emulator. */
  cliEnv(region: string): NodeJS.ProcessEnv;
  /** What an AWS SDK v3 client needs to talk to this emulator. */
  clientConfig(region: string): { region: string; endpoint: string; credentials: Credentials };
  /** Records every request until `recorded()`. */
  record(): Promise<void>;
  /** Stops recording and returns what was recorded since `record()`. */
  recorded(): Promise<RecordedRequest[]>;
  /** Stops the server (by its process group). */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of running) killGroup(child, "SIGKILL");
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).status === 200;
  } catch {
    return false;
  }
}

/** Requests moto serves before it enforces IAM: the three that make the administrator. */
const ADMIN_REQUESTS = 3;

/**
 * Starts one emulator that answers as `accountId`; resolves once it serves requests.
 * `enforceIam`: moto checks every request against the caller's identity
 * policies (INITIAL_NO_AUTH_ACTION_COUNT) after the first three, which make
 * an administrator (a user with an inline `*` policy) whose keys become the
 * emulator's `credentials`. See EMULATOR_GAPS for what moto's checks cover.
 */
export async function startEmulator(accountId: string, options: { enforceIam?: boolean } = {}): Promise<Emulator> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const log = path.join(os.tmpdir(), `moto-${accountId}-${port}.log`);
    // Its recordings go to a file of its own, not into the working directory.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      MOTO_ACCOUNT_ID: accountId,
      MOTO_RECORDER_FILEPATH: `${log}.recording`,
      ...(options.enforceIam ? { INITIAL_NO_AUTH_ACTION_COUNT: String(ADMIN_REQUESTS) } : {}),
    };
    for (const key of Object.keys(env)) if (key.startsWith("AWS_")) delete env[key];
    const child = spawn(MOTO_SERVER!, ["-H", "127.0.0.1", "-p", String(port)], {
      env,
      detached: true, // its own process group: stopping it stops pyenv's shim and python together
      stdio: ["ignore", fs.openSync(log, "w"), fs.openSync(log, "a")],
    });
    child.unref();
    running.add(child);
    const endpoint = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    while (child.exitCode === null && Date.now() < deadline && !(await answers(`${endpoint}/moto-api/`))) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (child.exitCode === null && (await answers(`${endpoint}/moto-api/`))) {
      const credentials = options.enforceIam ? await createAdministrator(endpoint) : EMULATOR_CREDENTIALS;
      return emulator(accountId, endpoint, child, credentials, options.enforceIam === true);
    }
    killGroup(child, "SIGKILL");
    running.delete(child);
    // Another process may have taken the port between freePort() and moto's bind.
    if (attempt >= 3) throw new Error(`moto_server did not start for account ${accountId}; its log: ${log}\n${fs.readFileSync(log, "utf8").slice(-2000)}`);
  }
}

/** The emulator's first three requests: an administrator and its access key. */
async function createAdministrator(endpoint: string): Promise<Credentials> {
  const iam = new IAMClient({ region: "us-east-1", endpoint, credentials: EMULATOR_CREDENTIALS });
  await iam.send(new CreateUserCommand({ UserName: "administrator" }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: "administrator",
      PolicyName: "administrator",
      PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }),
    }),
  );
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: "administrator" }));
  return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
}

function emulator(accountId: string, endpoint: string, child: ChildProcess, credentials: Credentials, enforcesIam: boolean): Emulator {
  const api = async (route: string, method = "POST") => {
    const response = await fetch(`${endpoint}/moto-api/${route}`, { method });
    if (!response.ok) throw new Error(`moto ${route}: HTTP ${response.status}`);
    return response.text();
  };
  return {
    accountId,
    credentials,
    enforcesIam,
    endpoint,
    pid: child.pid!,
    cliEnv: (region) => emulatorEnvironment(endpoint, region, credentials),
    clientConfig: (region) => ({ region, endpoint, credentials }),
    record: async () => {
      await api("recorder/reset-recording");
      await api("recorder/start-recording");
    },
    recorded: async () => {
      await api("recorder/stop-recording");
      const text = await api("recorder/download-recording", "GET");
      return text
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => parseRecorded(JSON.parse(line) as RawRecord));
    },
    stop: async () => {
      killGroup(child, "SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const stopped = await Promise.race([
        new Promise<boolean>((resolve) => (child.exitCode !== null ? resolve(true) : child.once("exit", () => resolve(true)))),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 5000))),
      ]);
      clearTimeout(timer);
      if (!stopped) killGroup(child, "SIGKILL");
      running.delete(child);
    },
  };
}

interface RawRecord {
  readonly headers: Record<string, string>;
  readonly method: string;
  readonly url: string;
  readonly body?: string;
  readonly body_encoded?: boolean;
}

/** Service from the SigV4 scope; action from X-Amz-Target (JSON protocols) or the form's Action (query protocols). */
function parseRecorded(record: RawRecord): RecordedRequest {
  const header = (name: string) => Object.entries(record.headers).find(([key]) => key.toLowerCase() === name)?.[1] ?? "";
  const service = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(header("authorization"))?.[1] ?? "unknown";
  const body = record.body ? (record.body_encoded ? Buffer.from(record.body, "base64").toString("utf8") : record.body) : "";
  const target = header("x-amz-target");
  let parameters: Record<string, unknown> = {};
  if (body.trim().startsWith("{")) {
    try {
      parameters = JSON.parse(body) as Record<string, unknown>;
    } catch {
      parameters = {};
    }
  } else if (body.includes("=")) {
    parameters = Object.fromEntries(new URLSearchParams(body));
  }
  const action = target ? target.slice(target.lastIndexOf(".") + 1) : String(parameters.Action ?? `${record.method} ${new URL(record.url).pathname}`);
  return { service, action, parameters };
}
