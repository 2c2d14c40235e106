"""A Python grpcio (gRPC C-core) server of the dummy service, for our grpc-js client (nodeClient.ts).

Prints "PORT <n>" once listening on 127.0.0.1; stops when its stdin closes, on SIGTERM, or after 5 minutes.
Every input (each input, for streams) is echoed unless it is special:
  echo-metadata       -> JSON of the invocation metadata received (-bin values as "hex:...")
  fail:<code>         -> fails with that code, details_for(code), trailing x-code and x-trace-bin
  fail-after:<n>:<c>  -> (server streaming) n messages m0..m<n-1>, then fails like fail:<c>
  rich:<code>         -> fails like fail:<code>, with a google.rpc.Status of every error detail type
                         in grpc-status-details-bin (rich_status.status_bytes)
  rich-after:<n>:<c>  -> (server streaming) n messages, then fails like rich:<c>
  flaky:<key>:<n>     -> fails the first n attempts with UNAVAILABLE, then "ok after <k> attempts"
  attempts:<key>      -> how many attempts flaky:<key>:* has seen
  sleep:<ms>          -> sleeps (stops early when the call ends), then "slept"
  watch:<key>         -> waits up to 10 s for the call to end early; records "cancelled" or "deadline"
  status:<key>        -> what watch:<key> recorded ("started", "cancelled", "deadline", "not cancelled")
  time-remaining      -> the call's deadline as C-core read it from grpc-timeout: context.time_remaining()
                         in seconds, or "none" without one
The initial metadata of every response echoes the request's x-* keys as echo-x-*.
"""

import json
import signal
import sys
import threading
import time
from concurrent import futures

import grpc

from dummy_codec import SERVICE, decode, details_for, encode, trace_bin
from rich_status import STATUS_DETAILS_KEY, status_bytes

CODES = {code.value[0]: code for code in grpc.StatusCode}
lock = threading.Lock()
attempts = {}
watched = {}


def fail(context, code):
    context.set_trailing_metadata((("x-code", str(code)), ("x-trace-bin", trace_bin(code))))
    context.abort(CODES[code], details_for(code))


def fail_rich(context, code):
    """Fails like fail(), with a google.rpc.Status of every detail type in grpc-status-details-bin."""
    context.set_trailing_metadata(
        (
            ("x-code", str(code)),
            ("x-trace-bin", trace_bin(code)),
            (STATUS_DETAILS_KEY, status_bytes(code, details_for(code))),
        )
    )
    context.abort(CODES[code], details_for(code))


def wait_while_active(context, seconds):
    end = time.monotonic() + seconds
    while context.is_active() and time.monotonic() < end:
        time.sleep(0.005)


def output(text, context):
    if text == "echo-metadata":
        seen = {}
        for key, value in context.invocation_metadata():
            seen[key] = "hex:" + value.hex() if isinstance(value, bytes) else value
        return json.dumps(seen, sort_keys=True)
    if text.startswith("fail:"):
        fail(context, int(text.split(":")[1]))
    if text.startswith("rich:"):
        fail_rich(context, int(text.split(":")[1]))
    if text.startswith("flaky:"):
        _, key, failures = text.split(":")
        with lock:
            attempts[key] = attempts.get(key, 0) + 1
            attempt = attempts[key]
        if attempt <= int(failures):
            context.abort(grpc.StatusCode.UNAVAILABLE, "flaky %s: attempt %d fails" % (key, attempt))
        return "ok after %d attempts" % attempt
    if text.startswith("attempts:"):
        with lock:
            return str(attempts.get(text.split(":", 1)[1], 0))
    if text.startswith("sleep:"):
        wait_while_active(context, int(text.split(":")[1]) / 1000)
        return "slept"
    if text.startswith("watch:"):
        key = text.split(":", 1)[1]
        with lock:
            watched[key] = "started"
        wait_while_active(context, 10)
        if context.is_active():
            state = "not cancelled"
        else:
            # C-core's deadline starts when the headers arrive, a little after the client's: the client's own
            # reset at that same deadline can get here first. Ended within 50 ms of its deadline: a deadline.
            remaining = context.time_remaining()
            state = "deadline" if remaining is not None and remaining <= 0.05 else "cancelled"
        with lock:
            watched[key] = state
        return state
    if text == "time-remaining":
        remaining = context.time_remaining()
        return "none" if remaining > 1e7 else "%.3f" % remaining  # no deadline: C-core's infinite future
    if text.startswith("status:"):
        with lock:
            return watched.get(text.split(":", 1)[1], "unknown")
    return text


def echo_headers(context):
    echoed = [("echo-" + key, value) for key, value in context.invocation_metadata() if key.startswith("x-")]
    if echoed:
        context.send_initial_metadata(echoed)


def execute(request, context):
    echo_headers(context)
    return output(request, context)


def execute_client_stream(requests, context):
    echo_headers(context)
    return "".join(output(request, context) for request in requests)


def execute_server_stream(request, context):
    echo_headers(context)
    if request.startswith("fail-after:"):
        _, count, code = request.split(":")
        for i in range(int(count)):
            yield "m%d" % i
        fail(context, int(code))
    if request.startswith("rich-after:"):
        _, count, code = request.split(":")
        for i in range(int(count)):
            yield "m%d" % i
        fail_rich(context, int(code))
    for character in output(request, context):
        yield character


def execute_client_server_stream(requests, context):
    echo_headers(context)
    for request in requests:
        yield output(request, context)


def main():
    handlers = {
        "Execute": grpc.unary_unary_rpc_method_handler(execute, request_deserializer=decode, response_serializer=encode),
        "ExecuteClientStream": grpc.stream_unary_rpc_method_handler(
            execute_client_stream, request_deserializer=decode, response_serializer=encode
        ),
        "ExecuteServerStream": grpc.unary_stream_rpc_method_handler(
            execute_server_stream, request_deserializer=decode, response_serializer=encode
        ),
        "ExecuteClientServerStream": grpc.stream_stream_rpc_method_handler(
            execute_client_server_stream, request_deserializer=decode, response_serializer=encode
        ),
    }
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=32))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print("PORT %d" % port, flush=True)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    done.wait(300)
    server.stop(grace=1).wait(5)


if __name__ == "__main__":
    main()
