// Root hooks for every spec run: a warning that signals a leak fails the run, like an unhandled
// rejection or an uncaught exception (which mocha already reports as failures).
process.on("warning", (warning) => {
  if (warning.name === "MaxListenersExceededWarning") {
    throw warning;
  }
});

export const mochaHooks = {};
