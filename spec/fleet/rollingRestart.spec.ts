import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { DummyServiceClient } from "grpc-interceptor/testing";
import { checkHealth } from "../support/healthClient.js";
import { freePort } from "../support/freePort.js";

const GRACE_MS = 2_000;

interface Replica {
  readonly child: ChildProcess;
  readonly lines: string[];
}

/** Starts a replica process on `port` and resolves once it serves. */
async function startReplica(name: string, port: number): Promise<Replica> {
  // The replica of examples/fleet, run as its header says (with tsx): the example is what is tested.
  const replica = ["--import", "tsx", "examples/fleet/replica.ts", name, String(port), String(GRACE_MS)];
  const child = spawn(process.execPath, replica, { stdio: ["ignore", "pipe", "inherit"] });
  const lines: string[] = [];
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      lines.push(...chunk.toString().split("\n").filter(Boolean));
      if (lines.some((line) => line.startsWith("ready"))) resolve();
    });
    child.once("exit", (code) => reject(new Error(`replica ${name} exited (${code}) before it was ready`)));
  });
  return { child, lines };
}

describe("a rolling restart of a fleet of three replicas behind one round_robin client", function () {
  this.timeout(60_000);

  it("fails no unary call, moves every subscription elsewhere, says NOT_SERVING while draining, exits within grace", async () => {
    const ports = await Promise.all([0, 1, 2].map(() => freePort()));
    const replicas = await Promise.all(ports.map((port, i) => startReplica(`r${i}`, port)));
    const serviceConfig = {
      loadBalancingConfig: [{ round_robin: {} }],
      methodConfig: [
        {
          name: [{ service: "DummyService" }],
          waitForReady: true,
          retryPolicy: {
            maxAttempts: 4,
            initialBackoff: "0.05s",
            maxBackoff: "0.2s",
            backoffMultiplier: 2,
            retryableStatusCodes: ["UNAVAILABLE"],
          },
        },
      ],
    };
    const client = new DummyServiceClient(
      `ipv4:${ports.map((port) => `127.0.0.1:${port}`).join(",")}`,
      credentials.createInsecure(),
      { "grpc.service_config": JSON.stringify(serviceConfig) },
    );
    const failures: string[] = [];
    let succeeded = 0;
    let loading = true;
    const load = (async () => {
      while (loading) {
        await Promise.all(
          [0, 1, 2, 3].map(
            (i) =>
              new Promise<void>((resolve) =>
                client.execute({ input: String(i) }, new Metadata(), { deadline: Date.now() + 5_000 }, (error) => {
                  if (error) failures.push(`${status[error.code]}: ${error.details}`);
                  else succeeded++;
                  resolve();
                }),
              ),
          ),
        );
      }
    })();
    // Subscriptions, one per replica: each reads its replica's name; ended UNAVAILABLE by a shutdown, it
    // resubscribes, and must then be served by another replica.
    const endings: string[] = [];
    const moves: string[] = [];
    let subscribing = true;
    /** Opens a subscription; resolves with the first replica that serves it (and the call). */
    interface Subscription {
      readonly replica: string;
      cancel(): void;
      current(): string;
    }
    const open = (onEnd: (error?: ServiceError) => void) =>
      new Promise<Subscription>((resolve) => {
        const call = client.executeServerStream({ input: "subscribe" }, new Metadata(), {
          deadline: Date.now() + 30_000,
        });
        let replica = "";
        call.on("data", ({ output }: { output: string }) => {
          if (replica === "") resolve({ replica: output, cancel: () => call.cancel(), current: () => replica });
          replica = output;
          if (!subscribing) call.cancel();
        });
        call.on("error", (error: ServiceError) => onEnd(error));
        call.on("end", () => onEnd());
      });
    /** Keeps a subscription open until the test ends, resubscribing when a shutdown ends it. */
    const keep = async (first: Subscription, ended: Promise<ServiceError | undefined>) => {
      let last = first;
      let end = ended;
      for (;;) {
        const error = await end;
        if (!subscribing) return;
        endings.push(error ? `${status[error.code]}: ${error.details}` : "ended without a status");
        const from = last.current();
        let onEnd!: (error?: ServiceError) => void;
        end = new Promise((resolve) => (onEnd = resolve));
        last = await open(onEnd);
        moves.push(`${from} -> ${last.replica}`);
      }
    };
    const kept: Promise<void>[] = [];
    const covered = new Set<string>();
    for (let tries = 0; covered.size < 3 && tries < 30; tries++) {
      let onEnd!: (error?: ServiceError) => void;
      const ended = new Promise<ServiceError | undefined>((resolve) => (onEnd = resolve));
      const subscription = await open(onEnd);
      if (covered.has(subscription.replica)) subscription.cancel();
      else {
        covered.add(subscription.replica);
        kept.push(keep(subscription, ended));
      }
    }
    expect([...covered].sort()).to.deep.equal(["r0", "r1", "r2"]);
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const [i, replica] of replicas.entries()) {
        const sigterm = Date.now();
        replica.child.kill("SIGTERM");
        await new Promise((resolve) => setTimeout(resolve, 100)); // within its 300 ms delay
        expect(await checkHealth(`127.0.0.1:${ports[i]}`)).to.equal("NOT_SERVING");
        const [code] = (await once(replica.child, "exit")) as [number];
        expect(code).to.equal(0);
        expect(Date.now() - sigterm).to.be.below(GRACE_MS + 1_000);
        const report = JSON.parse(replica.lines.find((line) => line.startsWith("report"))!.slice(7)) as Record<
          string,
          number
        >;
        expect(report.durationMs).to.be.below(GRACE_MS);
        replicas[i] = await startReplica(`r${i}'`, ports[i]!);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    } finally {
      loading = false;
      subscribing = false;
      await load;
      await Promise.all(kept);
      client.close();
      for (const replica of replicas) replica.child.kill("SIGKILL");
    }
    expect(failures).to.deep.equal([]);
    expect(succeeded).to.be.above(100);
    // Every replica's subscription (and any that moved onto a replica restarted later) ended UNAVAILABLE
    // and was served elsewhere at once.
    expect(endings.length).to.be.at.least(3);
    expect(new Set(endings)).to.deep.equal(new Set(["UNAVAILABLE: server shutting down"]));
    expect(moves).to.have.length(endings.length);
    for (const move of moves) {
      const [from, to] = move.split(" -> ");
      expect(to, move).to.not.equal(from);
    }
  });
});
