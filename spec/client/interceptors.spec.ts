import { expect } from "chai";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import type { ClientCallDetails, ClientMethod } from "grpc-interceptor";
import { ClientInterceptor } from "grpc-interceptor";
import { PermissionDenied, Unavailable } from "grpc-interceptor/exceptions";
import { dummyClient, raises } from "grpc-interceptor/testing";
import { failure, sleep } from "../support/calls.js";
import { RetryInterceptor } from "./support/examples.js";
import { CountingInterceptor, failingFirst, MetadataInterceptor, passThrough } from "./support/interceptors.js";
import { kinds } from "./support/kinds.js";

const whoami = (_input: string, context: { metadata: Metadata }) => context.metadata.get("x-user").join(",");

for (const kind of kinds) {
  describe(`client interceptors: ${kind.name}`, () => {
    it("passes calls through unchanged, as a class instance or a plain function", async () => {
      await using client = await dummyClient({ clientInterceptors: [new CountingInterceptor(), passThrough] });
      expect(await kind.call(client, ["ab", "c"])).to.deep.equal(kind.echo(["ab", "c"]));
    });

    it("sends metadata an interceptor adds, without touching the caller's metadata", async () => {
      await using client = await dummyClient({
        clientInterceptors: [new MetadataInterceptor("x-user", "alice")],
        specialCases: { whoami },
      });
      const metadata = new Metadata();
      metadata.set("x-trace", "1");
      expect(await kind.call(client, ["whoami"], { metadata })).to.deep.equal(kind.echo(["alice"]));
      expect(metadata.get("x-user")).to.deep.equal([]);
    });

    it("counts status codes as calls finish", async () => {
      const counter = new CountingInterceptor();
      await using client = await dummyClient({
        clientInterceptors: [counter],
        specialCases: { bad: raises(new PermissionDenied()) },
      });
      await kind.call(client, ["ok"]);
      await kind.call(client, ["fine"]);
      expect((await failure(kind.call(client, ["bad"]))).code).to.equal(status.PERMISSION_DENIED);
      expect(counter.codes).to.deep.equal({ OK: 2, PERMISSION_DENIED: 1 });
    });

    it("retries once after UNAVAILABLE, then succeeds", async () => {
      const flaky = failingFirst(1, () => new Unavailable("try again"), "done");
      await using client = await dummyClient({
        clientInterceptors: [new RetryInterceptor({ initialBackoffMs: 1 })],
        specialCases: { flaky },
      });
      expect(await kind.call(client, ["flaky"])).to.deep.equal(kind.echo(["done"]));
      expect(flaky.runs).to.equal(2);
    });

    it("fails with the last attempt's status when the retries are exhausted", async () => {
      const flaky = failingFirst(
        10,
        () => new Unavailable("still down", { metadata: trailer("x-why", "maintenance") }),
      );
      await using client = await dummyClient({
        clientInterceptors: [new RetryInterceptor({ maxAttempts: 3, initialBackoffMs: 1 })],
        specialCases: { flaky },
      });
      const error = await failure(kind.call(client, ["flaky"]));
      expect([error.code, error.details]).to.deep.equal([status.UNAVAILABLE, "still down"]);
      expect(error.metadata.get("x-why")).to.deep.equal(["maintenance"]);
      expect(flaky.runs).to.equal(3);
    });

    it("does not retry codes it was not asked to", async () => {
      const flaky = failingFirst(1, () => new PermissionDenied());
      await using client = await dummyClient({
        clientInterceptors: [new RetryInterceptor({ initialBackoffMs: 1 })],
        specialCases: { flaky },
      });
      expect((await failure(kind.call(client, ["flaky"]))).code).to.equal(status.PERMISSION_DENIED);
      expect(flaky.runs).to.equal(1);
    });

    it("chains interceptors, first outermost: a counter inside a retry sees every attempt", async () => {
      const inner = new CountingInterceptor();
      const outer = new CountingInterceptor();
      const flaky = failingFirst(1, () => new Unavailable());
      await using client = await dummyClient({
        clientInterceptors: [outer, new RetryInterceptor({ initialBackoffMs: 1 }), inner],
        specialCases: { flaky },
      });
      expect(await kind.call(client, ["flaky"])).to.deep.equal(kind.echo(["ok"]));
      expect(inner.codes).to.deep.equal({ UNAVAILABLE: 1, OK: 1 });
      expect(outer.codes).to.deep.equal({ OK: 1 });
    });

    it("lets an async interceptor await before and after calling the method", async () => {
      const trace: string[] = [];
      class Slow extends ClientInterceptor {
        async intercept(method: ClientMethod, request: unknown, details: ClientCallDetails) {
          await sleep(20);
          trace.push("before");
          const result = await method(request, details);
          trace.push("after");
          return result;
        }
      }
      class SlowStream extends ClientInterceptor {
        async *intercept(method: ClientMethod, request: unknown, details: ClientCallDetails) {
          await sleep(20);
          trace.push("before");
          yield* method(request, details) as AsyncIterable<unknown>;
          await sleep(5);
          trace.push("after");
        }
      }
      await using client = await dummyClient({
        clientInterceptors: [
          kind.responseStream ? new SlowStream() : new Slow(),
          new MetadataInterceptor("x-user", "bob"),
        ],
        specialCases: { whoami },
      });
      expect(await kind.call(client, ["whoami"])).to.deep.equal(kind.echo(["bob"]));
      expect(trace).to.deep.equal(["before", "after"]);
    });

    it("fails the call with a GrpcException's code, details and metadata, without reaching the server", async () => {
      const reached = failingFirst(0, () => new Error());
      class Deny extends ClientInterceptor {
        intercept(): never {
          throw new PermissionDenied("not you", { metadata: trailer("x-policy", "p1") });
        }
      }
      await using client = await dummyClient({ clientInterceptors: [new Deny()], specialCases: { reached } });
      const error = await failure(kind.call(client, ["reached"]));
      expect([error.code, error.details]).to.deep.equal([status.PERMISSION_DENIED, "not you"]);
      expect(error.metadata.get("x-policy")).to.deep.equal(["p1"]);
      expect(error.cause).to.be.instanceOf(PermissionDenied);
      expect(reached.runs).to.equal(0);
    });

    it("fails the call with INTERNAL when an interceptor throws anything else, also asynchronously", async () => {
      const boom = new TypeError("boom");
      const throwing = () => {
        throw boom;
      };
      const rejecting = async () => {
        await sleep(1);
        throw boom;
      };
      for (const interceptor of [throwing, rejecting]) {
        await using client = await dummyClient({ clientInterceptors: [interceptor] });
        const error = await failure(kind.call(client, ["x"]));
        expect([error.code, error.details]).to.deep.equal([status.INTERNAL, "TypeError: boom"]);
        expect(error.cause).to.equal(boom);
      }
    });

    it("passes on a ServiceError an interceptor makes up, as a cache of failures would", async () => {
      const madeUp = Object.assign(new Error("5 NOT_FOUND: cached miss"), {
        code: status.NOT_FOUND,
        details: "cached miss",
        metadata: trailer("x-cache", "hit"),
      }) as ServiceError;
      await using client = await dummyClient({ clientInterceptors: [() => Promise.reject(madeUp)] });
      const error = await failure(kind.call(client, ["x"]));
      expect([error.code, error.details, error.metadata.get("x-cache")]).to.deep.equal([
        status.NOT_FOUND,
        "cached miss",
        ["hit"],
      ]);
    });
  });
}

function trailer(key: string, value: string): Metadata {
  const metadata = new Metadata();
  metadata.set(key, value);
  return metadata;
}
