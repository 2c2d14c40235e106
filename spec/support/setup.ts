// Root hooks for every spec run. An unhandled rejection fails the run, as an uncaught exception does
// (mocha reports those; it does not watch rejections on its own). So does a warning that signals a leak,
// and a process that stays alive after the last test: a leaked timer, socket or server must fail CI,
// not hang it.
process.on("unhandledRejection", (reason) => {
  throw reason;
});
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
