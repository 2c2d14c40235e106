import { expect } from "chai";
import { Metadata, status } from "@grpc/grpc-js";
import { InvalidArgument, ResourceExhausted } from "grpc-interceptor/exceptions";
import {
  DebugInfo,
  MAX_ERROR_TRAILERS_BYTES,
  QuotaFailure,
  STATUS_DETAILS_KEY,
  statusDetailsOf,
  type ErrorDetail,
} from "grpc-interceptor/error-details";
import { dummyClient } from "grpc-interceptor/testing";
import { failure, recordingExceptionToStatus, soon } from "../support/calls.js";
import { handlerStyles } from "../support/styles.js";
import { everyDetailType, expectMatchingTrailer } from "./samples.js";

// 64 details of about 1 KiB: 64 KiB serialized, more than a grpc-js client's connection survives (and eight
// times what gRPC C-core and grpc-java clients accept by default).
const huge: ErrorDetail[] = Array.from({ length: 64 }, (_, index) =>
  DebugInfo.fromPartial({ detail: `${index}:`.padEnd(1000, "x") }),
);

describe("error details: the size limit", () => {
  for (const handlerStyle of handlerStyles) {
    it(`${handlerStyle} style: cuts a list too large for the trailer from the end, reports it, keeps the connection`, async () => {
      const stage = recordingExceptionToStatus();
      await using client = await dummyClient({
        handlerStyle,
        exceptionToStatus: stage,
        specialCases: {
          huge: () => {
            throw new InvalidArgument("too much", { errorDetails: huge });
          },
        },
      });
      const error = await failure(client.execute({ input: "huge" }, soon()));
      expect([error.code, error.details]).to.deep.equal([status.INVALID_ARGUMENT, "too much"]);
      expectMatchingTrailer(error);
      const trailer = error.metadata.get(STATUS_DETAILS_KEY)[0] as Buffer;
      expect(trailer.length).to.be.at.most(MAX_ERROR_TRAILERS_BYTES);
      const received = statusDetailsOf(error);
      expect(received.length).to.be.within(4, 7);
      expect(received).to.deep.equal(huge.slice(0, received.length)); // the first ones, in order
      expect(stage.reported).to.have.length(1);
      const report = stage.reported[0] as Error;
      expect(report.name).to.equal("ErrorDetailsTooLarge");
      expect(report.message).to.contain(
        `${64 - received.length} of 64 error details of INVALID_ARGUMENT were not sent`,
      );
      expect(report.message).to.contain(`the trailers would exceed ${MAX_ERROR_TRAILERS_BYTES} bytes`);
      // The same connection still carries calls.
      expect(await client.execute({ input: "still there" }, soon())).to.deep.equal({ output: "still there" });
    });
  }

  it("sends a list under the limit whole, counts the call's own trailers, leaves out a detail that cannot be serialized", async () => {
    const stage = recordingExceptionToStatus();
    const unserializable = { ...QuotaFailure.fromPartial({ violations: [{}] }) };
    (unserializable.violations[0] as { quotaValue: unknown }).quotaValue = "not a number";
    await using client = await dummyClient({
      exceptionToStatus: stage,
      specialCases: {
        broken: () => {
          throw new ResourceExhausted("quota", { errorDetails: [everyDetailType[0]!, unserializable] });
        },
        whole: () => {
          throw new ResourceExhausted("quota", { errorDetails: huge.slice(0, 5) });
        },
        crowded: () => {
          const metadata = new Metadata();
          metadata.set("x-large", "y".repeat(4000));
          throw new ResourceExhausted("quota", { metadata, errorDetails: huge.slice(0, 5) });
        },
      },
    });
    const broken = await failure(client.execute({ input: "broken" }, soon()));
    expect(statusDetailsOf(broken)).to.deep.equal([everyDetailType[0]]);
    expect(stage.reported.map((report) => (report as Error).name)).to.deep.equal(["ErrorDetailNotPacked"]);
    expect((stage.reported[0] as Error).message).to.match(/error detail 1 \(google\.rpc\.QuotaFailure\)/);
    const whole = await failure(client.execute({ input: "whole" }, soon()));
    expect(statusDetailsOf(whole)).to.deep.equal(huge.slice(0, 5));
    expect(stage.reported).to.have.length(1);
    // The call's own trailers count too: with 4 KB of them, fewer details fit.
    const crowded = await failure(client.execute({ input: "crowded" }, soon()));
    expect(crowded.metadata.get("x-large")).to.deep.equal(["y".repeat(4000)]);
    expect(statusDetailsOf(crowded).length).to.be.within(1, 4);
    expect(stage.reported.map((report) => (report as Error).name)).to.deep.equal([
      "ErrorDetailNotPacked",
      "ErrorDetailsTooLarge",
    ]);
  });
});
