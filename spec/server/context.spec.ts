import { expect } from "chai";
import { Metadata, status } from "@grpc/grpc-js";
import type { ServerCallContext, ServerMethod } from "grpc-interceptor";
import { Cancelled, DeadlineExceeded } from "grpc-interceptor/exceptions";
import { dummyClient, type DummyRequest } from "grpc-interceptor/testing";
import { collect, eventually, failure, sleep, soon } from "../support/calls.js";
import { handlerStyles } from "../support/styles.js";

function cancelledListeners(context: ServerCallContext): number {
  return (context as unknown as { call: { listenerCount(event: string): number } }).call.listenerCount("cancelled");
}

for (const handlerStyle of handlerStyles) {
  describe(`ServerCallContext (${handlerStyle} style)`, () => {
    it("exposes the method name, metadata, peer and deadline", async () => {
      let seen: ServerCallContext | undefined;
      let deadline: Date | undefined;
      await using client = await dummyClient({
        handlerStyle,
        specialCases: {
          x: (input, context) => {
            seen = context;
            deadline = context.deadline;
            return `${context.methodName} ${context.metadata.get("user")[0]} ${context.peer.startsWith("127.0.0.1:")}`;
          },
        },
      });
      const metadata = new Metadata();
      metadata.set("user", "ada");
      const callDeadline = Date.now() + 4000;
      const response = await client.execute({ input: "x" }, { metadata, deadline: callDeadline });
      expect(response.output).to.equal("/DummyService/Execute ada true");
      expect(deadline).to.be.instanceOf(Date);
      expect(Math.abs(deadline!.getTime() - callDeadline)).to.be.below(1000);
      expect(seen!.cancelled).to.equal(false);

      let noDeadline: Date | undefined = new Date();
      await using other = await dummyClient({
        handlerStyle,
        specialCases: { y: (input, context) => ((noDeadline = context.deadline), input) },
      });
      await other.execute({ input: "y" });
      expect(noDeadline).to.equal(undefined);
    });

    it("aborts the signal when the client cancels, and the pending work sees Cancelled", async () => {
      let started!: () => void;
      const handlerStarted = new Promise<void>((resolve) => (started = resolve));
      let reason: unknown;
      let cancelledFlag = false;
      await using client = await dummyClient({
        handlerStyle,
        specialCases: {
          wait: (_input, context) =>
            new Promise((_resolve, reject) => {
              context.signal.addEventListener("abort", () => {
                reason = context.signal.reason;
                cancelledFlag = context.cancelled;
                reject(context.signal.reason);
              });
              started();
            }),
        },
      });
      const controller = new AbortController();
      const call = client.execute({ input: "wait" }, { ...soon(), signal: controller.signal });
      await handlerStarted;
      controller.abort();
      expect((await failure(call)).code).to.equal(status.CANCELLED);
      await eventually(() => reason !== undefined, "the server signal aborts");
      expect(reason).to.be.instanceOf(Cancelled);
      expect(cancelledFlag).to.equal(true);
    });

    it("aborts the signal when the deadline passes, with DeadlineExceeded", async () => {
      let reason: unknown;
      await using client = await dummyClient({
        handlerStyle,
        specialCases: {
          wait: (_input, context) =>
            new Promise((_resolve, reject) =>
              context.signal.addEventListener("abort", () => {
                reason = context.signal.reason;
                reject(context.signal.reason);
              }),
            ),
        },
      });
      expect((await failure(client.execute({ input: "wait" }, soon(150)))).code).to.equal(status.DEADLINE_EXCEEDED);
      await eventually(() => reason !== undefined, "the server signal aborts");
      expect(reason).to.be.instanceOf(DeadlineExceeded);
    });

    it("never aborts the signal of a call that completed normally, and leaves no listener", async () => {
      const contexts: ServerCallContext[] = [];
      const watch = (method: ServerMethod, request: unknown, context: ServerCallContext) => {
        contexts.push(context);
        void context.signal; // armed during the call
        return method(request, context);
      };
      await using client = await dummyClient({ handlerStyle, interceptors: [watch] });
      await client.execute({ input: "x" }, soon());
      await client.executeClientStream([{ input: "x" }], soon());
      await collect(client.executeServerStream({ input: "xy" }, soon()));
      await collect(client.executeClientServerStream([{ input: "x" }], soon()));
      await sleep(50);
      expect(contexts).to.have.length(4);
      for (const context of contexts) {
        expect(context.signal.aborted, context.methodName).to.equal(false);
        expect(context.cancelled, context.methodName).to.equal(false);
        expect(cancelledListeners(context), context.methodName).to.equal(0);
      }
    });

    it("stops a server stream when the client cancels mid-stream, ending the handler's iteration", async () => {
      let finished = false;
      let produced = 0;
      const endless = async function* () {
        try {
          for (;;) {
            produced++;
            yield { output: String(produced) };
            await sleep(2);
          }
        } finally {
          finished = true;
        }
      };
      await using client = await dummyClient({ handlerStyle, interceptors: [endless] });
      const received: string[] = [];
      for await (const response of client.executeServerStream({ input: "x" }, soon())) {
        received.push(response.output);
        if (received.length === 3) break; // cancels the call
      }
      await eventually(() => finished, "the server's generator is closed");
      const total = produced;
      await sleep(30);
      expect(produced).to.equal(total);
    });

    it("ends the request iteration of a bidi handler when the client cancels", async () => {
      let iterationEnded = false;
      const reader = async function* (_method: ServerMethod, requests: AsyncIterable<DummyRequest>) {
        try {
          for await (const request of requests) yield { output: request.input };
        } finally {
          // Normally or with Cancelled: grpc-js's client half-closes just before it resets the stream.
          iterationEnded = true;
        }
      };
      await using client = await dummyClient({ handlerStyle, interceptors: [reader] });
      const controller = new AbortController();
      const requests = async function* () {
        for (let i = 0; ; i++) {
          yield { input: String(i) };
          await sleep(5);
        }
      };
      const error = await failure(async () => {
        for await (const response of client.executeClientServerStream(requests(), {
          ...soon(),
          signal: controller.signal,
        })) {
          if (response.output === "2") controller.abort();
        }
      });
      expect(error.code).to.equal(status.CANCELLED);
      await eventually(() => iterationEnded, "the request iteration ends");
    });

    it("sends initial metadata and trailing metadata to the client", async () => {
      await using client = await dummyClient({
        handlerStyle,
        specialCases: {
          meta: (input, context) => {
            const headers = new Metadata();
            headers.set("header-key", "h");
            context.sendInitialMetadata(headers);
            expect(() => context.sendInitialMetadata(new Metadata())).to.throw(/already sent/);
            const trailers = new Metadata();
            trailers.set("trailer-key", "t");
            context.setTrailingMetadata(trailers);
            return input;
          },
        },
      });
      const headers = new Promise<Metadata>((resolve, reject) => {
        const call = client.raw.execute({ input: "meta" }, new Metadata(), soon(), (error) => error && reject(error));
        call.on("metadata", resolve);
        call.on("status", (s) =>
          s.metadata.get("trailer-key")[0] === "t" ? undefined : reject(new Error("no trailer")),
        );
      });
      expect((await headers).get("header-key")).to.deep.equal(["h"]);
      const trailers = new Promise<Metadata>((resolve) => {
        const call = client.raw.executeServerStream({ input: "meta" }, new Metadata(), soon());
        call.on("data", () => {});
        call.on("status", (s) => resolve(s.metadata));
      });
      expect((await trailers).get("trailer-key")).to.deep.equal(["t"]);
    });

    it("aborts with a code, details and metadata through context.abort", async () => {
      await using client = await dummyClient({
        handlerStyle,
        specialCases: {
          abort: (_input, context) => {
            const metadata = new Metadata();
            metadata.set("why", "because");
            return context.abort(status.FAILED_PRECONDITION, "not now", metadata);
          },
        },
      });
      const error = await failure(client.execute({ input: "abort" }, soon()));
      expect([error.code, error.details, error.metadata.get("why")[0]]).to.deep.equal([
        status.FAILED_PRECONDITION,
        "not now",
        "because",
      ]);
    });
  });
}
