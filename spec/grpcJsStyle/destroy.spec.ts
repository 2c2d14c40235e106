import { expect } from "chai";
import { status } from "@grpc/grpc-js";
import { NotFound } from "grpc-interceptor/exceptions";
import { dummyClient } from "grpc-interceptor/testing";
import { collectUntilFailure, failure, recordingExceptionToStatus, soon } from "../support/calls.js";

// `destroy()` in a grpc-js-style handler, picked by the request's input: "bare" (no error), "after-writes"
// (two writes, then destroy(NotFound) in the same tick), "later" (the same, a tick after the writes).
class DestroyingServicer {
  execute(call: any): void {
    setImmediate(() => call.destroy());
  }

  executeClientStream(call: any): void {
    call.once("data", () => call.destroy());
  }

  executeServerStream(call: any): void {
    destroyAfterWrites(call, call.request.input);
  }

  executeClientServerStream(call: any): void {
    call.once("data", (request: any) => destroyAfterWrites(call, request.input));
  }
}

function destroyAfterWrites(call: any, input: string): void {
  if (input === "bare") return void call.destroy();
  call.write({ output: "a" });
  call.write({ output: "b" });
  if (input === "later") setImmediate(() => call.destroy(new NotFound("gone")));
  else call.destroy(new NotFound("gone"));
}

describe("grpc-js style: destroy()", () => {
  // A client deadline far off: an answer that waits for it would be the bug.
  const far = () => soon(8000);

  it("without an error fails the call at once with UNKNOWN, in all four kinds", async () => {
    const stage = recordingExceptionToStatus();
    await using client = await dummyClient({
      handlerStyle: "grpc-js",
      servicer: new DestroyingServicer(),
      exceptionToStatus: stage,
    });
    const errors = [
      await failure(client.execute({ input: "bare" }, far())),
      await failure(
        client.executeClientStream(
          (async function* () {
            yield { input: "bare" };
            await new Promise(() => {}); // keeps the request stream open: only the destroy can end the call
          })(),
          far(),
        ),
      ),
      (await collectUntilFailure(client.executeServerStream({ input: "bare" }, far()))).error,
      (await collectUntilFailure(client.executeClientServerStream([{ input: "bare" }], far()))).error,
    ];
    expect(errors.map((error) => error.code)).to.deep.equal([
      status.UNKNOWN,
      status.UNKNOWN,
      status.UNKNOWN,
      status.UNKNOWN,
    ]);
    expect(stage.reported).to.have.length(4); // each an unknown exception, reported on the server
    for (const reported of stage.reported) expect(String(reported)).to.contain("destroyed the call");
  });

  for (const timing of ["after-writes", "later"]) {
    it(`with an error (${timing}) delivers the messages written before it, then the error's status`, async () => {
      await using client = await dummyClient({ handlerStyle: "grpc-js", servicer: new DestroyingServicer() });
      const streams = [
        await collectUntilFailure(client.executeServerStream({ input: timing }, far())),
        await collectUntilFailure(client.executeClientServerStream([{ input: timing }], far())),
      ];
      for (const { items, error } of streams) {
        expect(items).to.deep.equal([{ output: "a" }, { output: "b" }]);
        expect([error.code, error.details]).to.deep.equal([status.NOT_FOUND, "gone"]);
      }
    });
  }
});
