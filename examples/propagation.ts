// Propagation: a front service calls a back service. With CallScope on the front and Propagate on its
// client of the back, the back call inherits the front call's request id, deadline and cancellation,
// without the front's handler passing anything along.
// Run: `npx tsx examples/propagation.ts` (after `npm run build`).
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { CallScope, currentCall, Propagate, type ServerCallContext } from "grpc-interceptor";
import { GrpcException } from "grpc-interceptor/exceptions";
import { dummyClient } from "grpc-interceptor/testing";

/** What the back service saw of a call: its request id and how long it had left. */
function describeCall(context: ServerCallContext): string {
  const requestId = context.metadata.get("x-request-id")[0] ?? "none";
  const left =
    context.deadline === undefined ? "no deadline" : `deadline in ${context.deadline.getTime() - Date.now()} ms`;
  return `request id ${requestId}, ${left}`;
}

let backCallEnded = () => {};
/** Resolves when the back service's next waiting call has ended. */
const nextBackCallEnd = () => new Promise<void>((resolve) => (backCallEnded = resolve));

/** Waits until the call ends early, printing how it ended; the call then fails with that status. */
function waitForTheEnd(context: ServerCallContext): Promise<never> {
  return new Promise((_, reject) =>
    context.signal.addEventListener("abort", () => {
      const reason = context.signal.reason as GrpcException;
      console.log(`back    the call ended early: ${reason.statusString}`);
      backCallEnded();
      reject(reason);
    }),
  );
}

async function main(): Promise<void> {
  // The back service, and the front's client of it (dummyClient's client, with Propagate installed).
  await using back = await dummyClient({
    clientInterceptors: [new Propagate({ metadata: ["x-request-id"] })],
    specialCases: {
      report: (_input, context) => {
        console.log(`back    saw ${describeCall(context)}`);
        return "reported";
      },
      wait: (_input, context) => {
        console.log(`back    waiting, ${describeCall(context)}`);
        return waitForTheEnd(context);
      },
    },
  });
  // The front service: its handlers call the back service with no options at all, and end with the
  // back call's status when it fails.
  const callBack = (input: string) =>
    back.execute({ input }).then(
      (response) => response.output,
      (error: unknown) => {
        throw GrpcException.fromServiceError(error);
      },
    );
  await using front = await dummyClient({
    interceptors: [CallScope],
    specialCases: {
      report: async () => {
        console.log(`front   handling request id ${currentCall()?.metadata.get("x-request-id")[0]}`);
        return callBack("report");
      },
      wait: () => callBack("wait"),
    },
  });
  const requestId = (id: string) => {
    const metadata = new Metadata();
    metadata.set("x-request-id", id);
    return metadata;
  };
  const outcome = (call: Promise<{ output: string }>) =>
    call.then(
      (response) => `OK ${response.output}`,
      (error: ServiceError) => status[error.code],
    );

  console.log("1. a request id and a 2 s deadline");
  const reported = front.execute({ input: "report" }, { metadata: requestId("req-1"), deadline: Date.now() + 2000 });
  console.log(`client  ${await outcome(reported)}`);

  console.log("2. the client cancels after 200 ms");
  const controller = new AbortController();
  let backEnded = nextBackCallEnd();
  const cancelled = front.execute(
    { input: "wait" },
    { metadata: requestId("req-2"), deadline: Date.now() + 5000, signal: controller.signal },
  );
  setTimeout(() => controller.abort(), 200);
  console.log(`client  ${await outcome(cancelled)}`);
  await backEnded; // the back service prints how its call ended

  console.log("3. the front call's 300 ms deadline passes");
  backEnded = nextBackCallEnd();
  const late = front.execute({ input: "wait" }, { metadata: requestId("req-3"), deadline: Date.now() + 300 });
  console.log(`client  ${await outcome(late)}`);
  await backEnded;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
