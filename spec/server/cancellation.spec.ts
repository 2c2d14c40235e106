import { expect } from "chai";
import { status } from "@grpc/grpc-js";
import { Cancelled, DeadlineExceeded } from "grpc-interceptor/exceptions";
import { eventually, sleep } from "../support/calls.js";
import {
  dropProbe,
  kinds,
  newProbe,
  startCall,
  startProbeServer,
  type Kind,
  type Moment,
  type ProbeServer,
} from "../support/probeServer.js";
import { handlerStyles } from "../support/styles.js";

const requestStreams: readonly Kind[] = ["clientStream", "bidi"];

// The moments a cancel can land at, for each kind: reads only where there is a request stream.
function momentsOf(kind: Kind): Moment[] {
  return requestStreams.includes(kind)
    ? ["beforeChain", "interceptorAwait", "pendingRead", "betweenReads", "afterReturn"]
    : ["beforeChain", "interceptorAwait", "handlerAwait", "afterReturn"];
}

// A read happens on the cancelled call: it must throw, not wait forever.
function readsAfterCancel(kind: Kind, moment: Moment): boolean {
  return requestStreams.includes(kind) && moment !== "afterReturn";
}

const ways = [
  { how: "client cancel", code: status.CANCELLED, reason: Cancelled, deadlineMs: 5000 },
  { how: "passed deadline", code: status.DEADLINE_EXCEEDED, reason: DeadlineExceeded, deadlineMs: 250 },
] as const;

for (const handlerStyle of handlerStyles) {
  describe(`Cancellation, all the way (${handlerStyle} style)`, () => {
    let server: ProbeServer;
    before(async () => (server = await startProbeServer(handlerStyle)));
    after(() => server.close());

    for (const kind of kinds) {
      for (const way of ways) {
        for (const moment of momentsOf(kind)) {
          it(`${kind}, ${way.how} at ${moment}: nothing left running, and the call stays cancelled`, async () => {
            const probe = newProbe(moment);
            try {
              const call = startCall(server.client, kind, probe, Date.now() + way.deadlineMs);
              await eventually(() => probe.arrived, `the server reached ${moment}`, 3000);
              if (way.how === "client cancel") call.cancel();
              expect((await call.ended).code, "the client's status").to.equal(way.code);
              await eventually(
                () => probe.handlerStarted && !probe.handlerRunning && !probe.interceptorRunning,
                "the handler and the interceptor finished",
                3000,
              );
              // A grpc-js client's cancel() sends the end of its requests before the reset: a pending read
              // may see that end first, and the server then answers before it learns of the cancel.
              const endFirst = moment === "pendingRead" && way.how === "client cancel" && probe.readError === undefined;
              if (readsAfterCancel(kind, moment) && handlerStyle === "async" && !endFirst) {
                expect(probe.readError, "what the read threw").to.be.instanceOf(way.reason);
              }
              await sleep(30); // well after the handler returned and the call ended
              const context = probe.context!;
              const cancelled = !endFirst || context.cancelled;
              expect(context.cancelled, "context.cancelled, read after the call ended").to.equal(cancelled);
              const signal = context.signal; // first read only now
              expect(signal.aborted, "context.signal, first read after the call ended").to.equal(cancelled);
              if (cancelled) expect(signal.reason).to.be.instanceOf(way.reason);
              expect(context.cancelled, "context.cancelled, read again").to.equal(cancelled);
            } finally {
              dropProbe(probe);
            }
          });
        }
      }

      it(`${kind}: a call that completed never reads as cancelled, even once its deadline passed`, async () => {
        const probe = newProbe("complete");
        try {
          const call = startCall(server.client, kind, probe, Date.now() + 200);
          expect((await call.ended).code).to.equal(status.OK);
          await eventually(() => !probe.handlerRunning && !probe.interceptorRunning, "the call's work finished");
          await sleep(250); // past the deadline
          const context = probe.context!;
          expect(context.cancelled).to.equal(false);
          expect(context.signal.aborted, "context.signal, first read after the call ended").to.equal(false);
        } finally {
          dropProbe(probe);
        }
      });
    }
  });
}
