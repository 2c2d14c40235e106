import { expect } from "chai";
import { status } from "@grpc/grpc-js";
import { z } from "zod";
import * as v from "valibot";
import { bootstrap, Validate, type ServerCallContext } from "grpc-interceptor";
import { BadRequest, statusDetailsOf } from "grpc-interceptor/error-details";
import { DummyService, DummyServiceService, dummyClient, type DummyRequest } from "grpc-interceptor/testing";
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { collect, collectUntilFailure, failure, recordingExceptionToStatus, soon } from "../support/calls.js";
import { handlerStyles } from "../support/styles.js";

const Request = z.object({ input: z.string().min(1, "must not be empty") });
const Response = z.object({ output: z.string().max(3, "too long") });

/** A Standard Schema written by hand: nested paths in both path forms, and an async validate. */
const nested: StandardSchemaV1 = {
  "~standard": {
    version: 1,
    vendor: "spec",
    validate: async (value) =>
      (value as DummyRequest).input === "bad"
        ? {
            issues: [
              { message: "first", path: ["author", { key: "name" }] },
              { message: "second", path: ["tags", 0, { key: "name" }] },
              { message: "whole message" },
            ],
          }
        : { value },
  },
};

function badRequest(error: unknown) {
  const [detail, ...rest] = statusDetailsOf(error);
  expect(rest).to.deep.equal([]);
  expect(detail?.$type).to.equal(BadRequest.$type);
  return (detail as BadRequest).fieldViolations.map(({ field, description }) => ({ field, description }));
}

for (const handlerStyle of handlerStyles) {
  describe(`Validate (${handlerStyle} style)`, () => {
    let handled: string[];
    const servicer = () => {
      handled = [];
      const record = (input: string) => (handled.push(input), input);
      return { specialCases: { "": record, long: record, ok: record } };
    };

    it("rejects an invalid unary request INVALID_ARGUMENT with a BadRequest detail; the handler does not run", async () => {
      await using client = await dummyClient({ ...servicer(), handlerStyle, policies: [Validate(Request)] });
      const error = await failure(client.execute({ input: "" }, soon()));
      expect(error.code).to.equal(status.INVALID_ARGUMENT);
      expect(error.details).to.equal("invalid request: input: must not be empty");
      expect(badRequest(error)).to.deep.equal([{ field: "input", description: "must not be empty" }]);
      expect(handled).to.deep.equal([]);
      expect(await client.execute({ input: "ok" }, soon())).to.deep.include({ output: "ok" });
    });

    it("writes paths as google.rpc's BadRequest does, names the first violation, and awaits async schemas", async () => {
      await using client = await dummyClient({ handlerStyle, policies: [Validate(nested)] });
      const error = await failure(client.execute({ input: "bad" }, soon()));
      expect(error.details).to.equal("invalid request: author.name: first");
      expect(badRequest(error)).to.deep.equal([
        { field: "author.name", description: "first" },
        { field: "tags[0].name", description: "second" },
        { field: "", description: "whole message" },
      ]);
    });

    it("checks a server-streaming request before the handler runs", async () => {
      await using client = await dummyClient({ handlerStyle, policies: [Validate(Request)] });
      const { items, error } = await collectUntilFailure(client.executeServerStream({ input: "" }, soon()));
      expect(items).to.deep.equal([]);
      expect(error.code).to.equal(status.INVALID_ARGUMENT);
      expect(await collect(client.executeServerStream({ input: "ab" }, soon()))).to.have.length(2);
    });

    it("checks each streamed request as the handler reads it: the first invalid one ends the call", async () => {
      await using client = await dummyClient({ ...servicer(), handlerStyle, policies: [Validate(Request)] });
      const error = await failure(
        client.executeClientStream([{ input: "ok" }, { input: "" }, { input: "ok" }], soon()),
      );
      expect(error.code).to.equal(status.INVALID_ARGUMENT);
      expect(handled).to.deep.equal(["ok"]);
      const bidi = await collectUntilFailure(
        client.executeClientServerStream([{ input: "ok" }, { input: "" }, { input: "ok" }], soon()),
      );
      expect(bidi.items.map((item) => item.output)).to.deep.equal(["ok"]);
      expect(bidi.error.code).to.equal(status.INVALID_ARGUMENT);
      expect(badRequest(bidi.error)).to.deep.equal([{ field: "input", description: "must not be empty" }]);
    });

    it("fails an invalid response INTERNAL, revealing nothing, and reports the violation", async () => {
      const exceptionToStatus = recordingExceptionToStatus();
      await using client = await dummyClient({
        handlerStyle,
        exceptionToStatus,
        policies: [Validate(z.object({}), { response: Response })],
      });
      expect(await client.execute({ input: "abc" }, soon())).to.deep.include({ output: "abc" });
      const error = await failure(client.execute({ input: "abcd" }, soon()));
      expect(error.code).to.equal(status.INTERNAL);
      expect(error.details).to.not.include("abcd").and.not.include("too long");
      expect(String(exceptionToStatus.reported[0])).to.include("output: too long");
      const stream = await collectUntilFailure(
        client.executeClientServerStream([{ input: "ok" }, { input: "long" }], soon()),
      );
      expect(stream.items.map((item) => item.output)).to.deep.equal(["ok"]);
      expect(stream.error.code).to.equal(status.INTERNAL);
    });
  });
}

describe("Validate", () => {
  it("never changes a message, even with a schema that transforms or strips it", async () => {
    let seen: unknown;
    class Servicer extends DummyService {
      override execute(request: DummyRequest, context: ServerCallContext) {
        seen = request;
        return super.execute(request, context);
      }
    }
    const stripping = z
      .object({ input: z.string().transform((text) => text.toUpperCase()) })
      .strict()
      .partial();
    const valibot = v.object({
      input: v.pipe(
        v.string(),
        v.transform((text) => text.length),
      ),
    });
    for (const schema of [stripping, z.object({}), valibot]) {
      await using client = await dummyClient({ servicer: new Servicer(), policies: [Validate(schema)] });
      expect(await client.execute({ input: "abc" }, soon())).to.deep.include({ output: "abc" });
      expect(seen).to.deep.include({ input: "abc" });
    }
  });

  it("rejects bad options with a TypeError naming the option", () => {
    expect(() => Validate({} as StandardSchemaV1)).to.throw(
      TypeError,
      /Validate\(request\) is .*not a Standard Schema v1/,
    );
    expect(() => Validate(Request, { response: 42 as unknown as StandardSchemaV1 })).to.throw(
      TypeError,
      /Validate: options\.response is number 42, not a Standard Schema/,
    );
    expect(() => Validate(Request, { responses: Response } as never)).to.throw(
      TypeError,
      /Validate: options\.responses is not an option/,
    );
    expect(() => bootstrap(DummyServiceService, new DummyService(), { policies: [Validate(Request)] })).to.not.throw();
  });
});
