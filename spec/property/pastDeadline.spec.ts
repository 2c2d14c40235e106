import { expect } from "chai";
import {
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  ServerInterceptingCall,
  status,
  type ServerInterceptor as GrpcServerInterceptor,
  type ServiceError,
} from "@grpc/grpc-js";
import { bootstrap, type ServerCallContext } from "grpc-interceptor";
import { DummyServiceClient, DummyServiceService, type DummyRequest } from "grpc-interceptor/testing";
import { eventually } from "../support/calls.js";

// Regression (FINDINGS-prop F3, found by the property test on a loaded machine): a response that is
// ready only after the server's deadline passed, before grpc-js's own deadline timer could fire, went out
// as OK, and a client whose timer was late as well took it. The status sent must be DEADLINE_EXCEEDED.
// Blocking the event loop past the deadline makes both timers late, as heavy load does.

function busyPast(context: ServerCallContext): void {
  const until = Number(context.deadline) + 30;
  while (Date.now() < until); // holds every timer back, as load does
}

describe("a response ready after the deadline passed", () => {
  const sent: number[] = [];
  // A native grpc-js interceptor sees the status the library's handler sends (grpc-js's own deadline
  // status is sent beneath it).
  const statusSent: GrpcServerInterceptor = (_method, call) =>
    new ServerInterceptingCall(call, {
      sendStatus: (sentStatus, next) => {
        sent.push(sentStatus.code);
        next(sentStatus);
      },
    });
  let server: Server;
  let client: DummyServiceClient;
  before(async () => {
    server = new Server({ interceptors: [statusSent] });
    server.addService(
      DummyServiceService,
      bootstrap(
        DummyServiceService,
        {
          async execute(request: DummyRequest, context: ServerCallContext) {
            busyPast(context);
            return { output: request.input };
          },
          async *executeServerStream(request: DummyRequest, context: ServerCallContext) {
            yield { output: request.input };
            busyPast(context);
          },
        },
        { allowUnimplemented: true },
      ),
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    client = new DummyServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    // Connect first, so that the deadline below is spent on the call, not on the connection.
    await new Promise<void>((resolve, reject) =>
      client.waitForReady(Date.now() + 5000, (error) => (error ? reject(error) : resolve())),
    );
  });
  beforeEach(() => (sent.length = 0));
  after(() => {
    client.close();
    server.forceShutdown();
  });

  it("unary: is answered DEADLINE_EXCEEDED, not OK", async () => {
    let code: status | undefined;
    client.execute({ input: "a" }, new Metadata(), { deadline: Date.now() + 200 }, (error: ServiceError | null) => {
      code = error?.code ?? status.OK;
    });
    await eventually(() => code !== undefined && sent.length > 0, "the call ended", 3000);
    expect(sent, "the status the server sent").to.deep.equal([status.DEADLINE_EXCEEDED]);
    expect(code, "the client's status").to.equal(status.DEADLINE_EXCEEDED);
  });

  it("server streaming: ends DEADLINE_EXCEEDED, not OK", async () => {
    let code: status | undefined;
    const call = client.executeServerStream({ input: "a" }, { deadline: Date.now() + 200 });
    call.on("data", () => {});
    call.on("error", () => {});
    call.on("status", (received) => (code = received.code));
    await eventually(() => code !== undefined && sent.length > 0, "the call ended", 3000);
    expect(sent, "the status the server sent").to.deep.equal([status.DEADLINE_EXCEEDED]);
    expect(code, "the client's status").to.equal(status.DEADLINE_EXCEEDED);
  });
});
