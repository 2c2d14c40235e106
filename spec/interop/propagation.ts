// Propagation across implementations: our grpc-js "front" service (CallScope, and a client with
// Propagate) relays each call to the Python grpcio server (py_server.py). C-core must read the
// propagated deadline from grpc-timeout as a deadline, see the propagated cancellation as a
// cancellation, and receive the chosen metadata.
import { Metadata, status } from "@grpc/grpc-js";
import type { DummyServiceClient } from "grpc-interceptor/testing";
import { start, type Kind, type Outcome } from "../propagation/support/calls.js";
import { clientOf, serve } from "../propagation/support/chain.js";
import { Relay } from "../propagation/support/Relay.js";

type Report = (ok: boolean, name: string, why?: string) => void;

class Failure extends Error {}

function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Failure(message);
}

/** The output: py_server streams a server-streaming output one character a message. */
function output(outcome: Outcome): string {
  expect(!outcome.error, `failed: ${outcome.error?.code} ${outcome.error?.details}`);
  return outcome.messages.join("");
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runPropagationChecks(pythonAddress: string, report: Report): Promise<void> {
  const toPython = clientOf(pythonAddress, { metadata: ["x-request-id"] });
  const front = await serve(new Relay(() => toPython));
  const client = clientOf(front.address, false);
  const direct = clientOf(pythonAddress, false);
  const query = async (input: string) =>
    output(await start(direct, "unary", input, { deadline: Date.now() + 5000 }).outcome);
  const pollStatus = async (key: string, untilNot: string) => {
    const end = Date.now() + 3000;
    for (;;) {
      const state = await query(`status:${key}`);
      if (state !== untilNot || Date.now() > end) return state;
      await sleep(10);
    }
  };
  async function check(name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
      report(true, name);
    } catch (error) {
      report(false, name, error instanceof Failure ? error.message : String((error as Error)?.stack ?? error));
    }
  }
  const kinds: Kind[] = ["unary", "client streaming", "server streaming", "bidi"];

  try {
    for (const kind of kinds) {
      await check(`propagation: ${kind}, the deadline at the front reaches C-core as a deadline`, async () => {
        const remaining = Number(
          output(await start(client, kind, "time-remaining", { deadline: Date.now() + 3000 }).outcome),
        );
        expect(remaining > 0 && remaining <= 3, `time_remaining() in Python: ${remaining} s, expected within (0, 3]`);
      });
    }
    await check("propagation: without a deadline at the front, C-core has none", async () => {
      const remaining = output(await start(client, "unary", "time-remaining").outcome);
      expect(remaining === "none", `time_remaining() in Python: ${remaining}`);
    });
    await check("propagation: the chosen metadata reaches the Python server", async () => {
      const metadata = new Metadata();
      metadata.set("x-request-id", "interop-42");
      const outcome = await start(client, "unary", "echo-metadata", { metadata, deadline: Date.now() + 5000 }).outcome;
      const seen = JSON.parse(output(outcome)) as Record<string, string>;
      expect(seen["x-request-id"] === "interop-42", `x-request-id in Python: ${seen["x-request-id"]}`);
    });
    for (const kind of kinds) {
      await check(`propagation: ${kind}, a cancel at the front cancels the Python call`, async () => {
        const key = `propagated-cancel-${kind.replace(" ", "-")}`;
        const call = start(client, kind, `watch:${key}`, { deadline: Date.now() + 8000 });
        const started = await pollStatus(key, "unknown");
        expect(started === "started", `the Python handler did not start watching: ${started}`);
        call.cancel();
        const outcome = await call.outcome;
        expect(outcome.error?.code === status.CANCELLED, `the front's client saw ${outcome.error?.code}`);
        const state = await pollStatus(key, "started");
        expect(state === "cancelled", `the Python handler saw: ${state}`);
      });
    }
    await check("propagation: the front's deadline passing ends the Python call as a deadline", async () => {
      const key = "propagated-deadline";
      const outcome = await start(client, "unary", `watch:${key}`, { deadline: Date.now() + 400 }).outcome;
      expect(outcome.error?.code === status.DEADLINE_EXCEEDED, `the front's client saw ${outcome.error?.code}`);
      const state = await pollStatus(key, "started");
      expect(state === "deadline", `the Python handler saw: ${state}`);
    });
  } finally {
    for (const each of [client, direct, toPython] as DummyServiceClient[]) each.close();
    await front.close();
  }
}
