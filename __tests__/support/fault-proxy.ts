/**
 * A loopback proxy in front of the emulator that answers one kind of request
 * with an AWS error while `failing` is on, and forwards everything else
 * untouched: how a test makes an apply fail half-way, at a known resource, the
 * way a throttled or refused API call would in a real account.
 */
import * as http from "node:http";
import * as net from "node:net";

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: use it wherever the emulator's endpoint would go. */
  readonly endpoint: string;
  /** While true, matching requests fail. */
  failing: boolean;
  /** How many requests were failed so far. */
  readonly injected: number;
  stop(): Promise<void>;
}

/** Which requests fail: the EC2-style (query protocol) action name, e.g. `CreateRoute`. */
export async function faultProxy(target: string, action: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  let injected = 0;
  const state = { failing: true };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      const requested = new URLSearchParams(body.toString("utf8")).get("Action");
      if (state.failing && requested === action) {
        injected++;
        // A client error the SDK does not retry: the provider fails the resource at once.
        response.writeHead(400, { "Content-Type": "text/xml" });
        response.end(
          `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>InvalidParameterValue</Code>` +
            `<Message>${action} refused on purpose by the apply test (fault injected)</Message></Error></Errors>` +
            `<RequestID>fault-injected</RequestID></Response>`,
        );
        return;
      }
      const forwarded = http.request(
        { host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      forwarded.on("error", (error) => {
        response.writeHead(502);
        response.end(String(error));
      });
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get failing() {
      return state.failing;
    },
    set failing(value: boolean) {
      state.failing = value;
    },
    get injected() {
      return injected;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
