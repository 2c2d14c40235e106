/** The servicer handler styles every shared server and decorator suite runs in. */
export const handlerStyles = ["async", "grpc-js"] as const;

/** One of {@link handlerStyles}. */
export type HandlerStyle = (typeof handlerStyles)[number];
