import { expect } from "chai";
import { credentials, Server, ServerCredentials, status, type ServiceError } from "@grpc/grpc-js";
import { bootstrap, type ServerCallContext } from "grpc-interceptor";
import { GrpcException } from "grpc-interceptor/exceptions";
import { DummyServiceClient, DummyServiceService, type DummyRequest } from "grpc-interceptor/testing";
import { eventually } from "../support/calls.js";

// Regression (FINDINGS-prop F1, found by the property test): a read pending when the client cancels
// must throw Cancelled, not end as if the client had half-closed. grpc-js reports a client's cancel as
// the end of the requests first, and the cancellation a little later.

interface Seen {
  second?: { done: boolean } | { error: unknown };
  context?: ServerCallContext;
}

async function readTwice(requests: AsyncIterable<DummyRequest>, seen: Seen): Promise<void> {
  const iterator = requests[Symbol.asyncIterator]();
  await iterator.next();
  try {
    seen.second = { done: Boolean((await iterator.next()).done) };
  } catch (error) {
    seen.second = { error };
  }
}

describe("a read pending when the client cancels (async style)", () => {
  let seen: Seen;
  let server: Server;
  let client: DummyServiceClient;
  before(async () => {
    server = new Server();
    server.addService(
      DummyServiceService,
      bootstrap(
        DummyServiceService,
        {
          async executeClientStream(requests: AsyncIterable<DummyRequest>, context: ServerCallContext) {
            seen.context = context;
            await readTwice(requests, seen);
            return { output: "" };
          },
          async *executeClientServerStream(requests: AsyncIterable<DummyRequest>, context: ServerCallContext) {
            seen.context = context;
            yield { output: "first" };
            await readTwice(requests, seen);
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
  });
  beforeEach(() => (seen = {}));
  after(() => {
    client.close();
    server.forceShutdown();
  });

  for (const kind of ["clientStream", "bidi"] as const) {
    it(`${kind}: throws Cancelled, and the call stays cancelled`, async () => {
      const deadline = Date.now() + 5000;
      let code: status | undefined;
      const call =
        kind === "clientStream"
          ? client.executeClientStream({ deadline }, (error: ServiceError | null) => (code = error?.code ?? status.OK))
          : client.executeClientServerStream({ deadline });
      if (kind === "bidi") {
        call.on("data", () => {});
        call.on("error", (error: ServiceError) => (code = error.code));
      }
      call.write({ input: "a" }); // and never half-closes
      await eventually(() => seen.context !== undefined, "the handler started", 3000);
      await new Promise((resolve) => setTimeout(resolve, 50)); // the second read is pending by now
      expect(seen.second, "the second read is still pending").to.equal(undefined);
      call.cancel();
      await eventually(() => seen.second !== undefined && code !== undefined, "the read settled", 3000);
      expect(code, "the client's status").to.equal(status.CANCELLED);
      const second = seen.second!;
      expect(second, "the pending read threw").to.have.property("error");
      const error = (second as { error: unknown }).error;
      expect(error).to.be.instanceOf(GrpcException);
      expect((error as GrpcException).statusCode).to.equal(status.CANCELLED);
      expect(seen.context!.cancelled, "context.cancelled").to.equal(true);
      expect(seen.context!.signal.aborted, "context.signal.aborted").to.equal(true);
    });
  }
});
