// A replica that shuts down gracefully on SIGTERM: health says NOT_SERVING, the server drains, running
// unary calls finish, subscriptions end UNAVAILABLE so their clients resubscribe elsewhere.
// Usage: npx tsx examples/fleet/replica.ts <name> <port> [graceMs]; examples/fleet/rolling-restart.ts runs
// three, and so does the rolling-restart spec.
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import { bootstrap, GracefulShutdown, type ServerCallContext } from "grpc-interceptor";
import { DummyService, DummyServiceService, type DummyRequest } from "grpc-interceptor/testing";

const [name = "replica", port = "0", graceMs = "5000"] = process.argv.slice(2);

class Replica extends DummyService {
  override async execute(request: DummyRequest) {
    return { output: `${name}:${request.input}` };
  }

  // A subscription: the replica's name every 50 ms, until the call ends (its signal aborts).
  override async *executeServerStream(_request: DummyRequest, context: ServerCallContext) {
    while (!context.signal.aborted) {
      yield { output: name };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

const health = new HealthImplementation({ "": "SERVING", DummyService: "SERVING" });
const shutdown = new GracefulShutdown({ health });
const server = new Server();
server.addService(DummyServiceService, bootstrap(DummyServiceService, new Replica(), { interceptors: [shutdown] }));
health.addToServer(server);
server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error, bound) => {
  if (error) throw error;
  console.log(`ready ${bound}`);
});
process.once("SIGTERM", () => {
  void shutdown.shutdown(server, { graceMs: Number(graceMs), delayMs: 200 }).then((report) => {
    console.log(`report ${JSON.stringify(report)}`);
    process.exit(0);
  });
});
