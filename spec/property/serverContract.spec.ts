import fc from "fast-check";
import { caseArbitrary } from "./arbitraries.js";
import { ContractServer } from "./ContractServer.js";
import { contractViolations, failureReport } from "./contractViolations.js";
import { describeCase, type ClientMode } from "./model.js";

// The server contract as a property: random chains of interceptors and handler scripts, for every kind,
// both handler styles and clients that cancel or set short deadlines, against an oracle written from
// the contract (oracle.ts). Each property run is a batch of calls made at the same time (most of a
// call's time is waiting), so a failure shrinks to the fewest calls that still fail, usually one.
// FC_SEED replays a run, FC_RUNS sets the number of calls, FC_PATH replays one counterexample (fast-check
// prints the seed and path when a case fails).

const seed = process.env.FC_SEED === undefined ? Date.now() % 2 ** 31 : Number(process.env.FC_SEED);
const calls = Number(process.env.FC_RUNS ?? 2000);
const BATCH = 16;
const AVERAGE_BATCH = 6; // fast-check's arrays lean short: measured mean length for maxLength 16
const batch = fc
  .array(caseArbitrary, { minLength: 1, maxLength: BATCH })
  .map((cases) => Object.assign(cases, { [fc.toStringMethod]: () => `\n${cases.map(describeCase).join("\n")}\n` }));

describe("the server contract, as a property", function () {
  this.timeout(0); // each call has its own deadline; the run's length depends on FC_RUNS

  let server: ContractServer;
  before(async () => {
    server = await ContractServer.start();
  });
  after(() => server.close());

  it(`holds for about ${calls} random calls (seed ${seed}; replay with FC_SEED=${seed})`, async () => {
    const made: Record<ClientMode, number> = { normal: 0, cancel: 0, cancelAtStart: 0, deadline: 0 };
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(batch, async (cases) => {
        const failures = await Promise.all(
          cases.map(async (c) => {
            made[c.client]++;
            const run = server.prepare(c);
            try {
              const violations = await contractViolations(run, await server.call(run));
              return violations.length > 0 ? failureReport(run, violations) : "";
            } finally {
              server.forget(run);
            }
          }),
        );
        const broken = failures.filter(Boolean);
        if (broken.length > 0) throw new Error(broken.join("\n"));
      }),
      { seed, numRuns: Math.max(1, Math.round(calls / AVERAGE_BATCH)), path: process.env.FC_PATH },
    );
    const total = Object.values(made).reduce((sum, n) => sum + n, 0);
    const modes = Object.entries(made).map(([mode, n]) => `${n} ${mode}`);
    console.log(`      ${total} calls (${modes.join(", ")}) in ${Date.now() - started} ms, seed ${seed}`);
  });
});
