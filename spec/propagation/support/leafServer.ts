// C in a child process: serves a Leaf (with CallScope) on 127.0.0.1:0, prints "PORT <n>", and exits
// when its stdin closes (i.e. when the parent goes away), so it cannot outlive the test run.
import { serve } from "./chain.js";
import { Leaf } from "./Leaf.js";

void serve(new Leaf()).then((started) => {
  process.stdout.write(`PORT ${started.address.split(":")[1]}\n`);
  process.stdin.resume();
  process.stdin.on("end", () => void started.close().then(() => process.exit(0)));
});
