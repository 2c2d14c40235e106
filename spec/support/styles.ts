/** The servicer styles the shared server and decorator suites run under. */
export const handlerStyles = ["async"] as const;
