// Root hooks for every spec run. A warning that signals a leak fails the run, like an unhandled
// rejection or an uncaught exception (which mocha already reports as failures). So does a process
// that stays alive after the last test: a leaked timer, socket or server must fail CI, not hang it.
process.on("warning", (warning) => {
  if (warning.name === "MaxListenersExceededWarning") {
    throw warning;
  }
});

export const mochaHooks = {
  afterAll(): void {
    setTimeout(() => {
      console.error("The test process is still running 5 s after the last test; left behind:");
      console.error(process.getActiveResourcesInfo());
      // Mocha sets the exit code in its own "exit" listener; this one, added later, has the last word.
      process.once("exit", () => (process.exitCode = 1));
      process.exit(1);
    }, 5000).unref();
  },
};
