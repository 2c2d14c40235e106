"""Python grpcio (gRPC C-core) client checks against our grpc-js server (spec/interop/ourServer.ts).

Usage: python3 py_client.py HOST:PORT. Prints one PASS/FAIL line per check and a closing
"python-client: N passed, M failed"; exits 1 on any failure. Every call has a timeout.
"""

import json
import sys
import threading
import time

import grpc

from dummy_codec import BIDI, CLIENT_STREAM, EXECUTE, SERVER_STREAM, decode, details_for, encode, trace_bin
from rich_status import STATUS_DETAILS_KEY, Status, check_status_details

TIMEOUT = 5.0
CODES = {code.value[0]: code for code in grpc.StatusCode}
passed = failed = 0


def check(name, fn):
    global passed, failed
    try:
        fn()
    except Exception as error:  # noqa: BLE001 - any exception is a failed check
        failed += 1
        print("FAIL %s: %s" % (name, error if isinstance(error, AssertionError) else repr(error)), flush=True)
    else:
        passed += 1
        print("PASS %s" % name, flush=True)


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def expect_equal(actual, expected, what):
    expect(actual == expected, "%s: expected %r, got %r" % (what, expected, actual))


class Stub:
    def __init__(self, channel):
        self.unary = channel.unary_unary(EXECUTE, request_serializer=encode, response_deserializer=decode)
        self.client_stream = channel.stream_unary(CLIENT_STREAM, request_serializer=encode, response_deserializer=decode)
        self.server_stream = channel.unary_stream(SERVER_STREAM, request_serializer=encode, response_deserializer=decode)
        self.bidi = channel.stream_stream(BIDI, request_serializer=encode, response_deserializer=decode)


def outcome_unary(multicallable, request, **kwargs):
    """(response, error, trailing metadata dict) of a unary-response call."""
    kwargs.setdefault("timeout", TIMEOUT)
    try:
        response, call = multicallable.with_call(request, **kwargs)
        return response, None, dict(call.trailing_metadata() or ())
    except grpc.RpcError as error:
        return None, error, dict(error.trailing_metadata() or ())


def outcome_stream(multicallable, request, **kwargs):
    """(messages, error, trailing metadata dict) of a streaming-response call."""
    kwargs.setdefault("timeout", TIMEOUT)
    call = multicallable(request, **kwargs)
    messages = []
    try:
        for message in call:
            messages.append(message)
        return messages, None, dict(call.trailing_metadata() or ())
    except grpc.RpcError as error:
        return messages, error, dict(error.trailing_metadata() or ())


def expect_failure(error, code, details=None):
    expect(error is not None, "expected %s, the call succeeded" % code.name)
    expect_equal(error.code(), code, "status code")
    if details is not None:
        expect_equal(error.details(), details, "details")


def expect_chosen(error, trailers, n):
    """The status, details and trailing metadata of the server's `chosenFailure(n)`."""
    expect_failure(error, CODES[n], details_for(n))
    expect_equal(trailers.get("x-code"), str(n), "trailing x-code")
    expect_equal(trailers.get("x-trace-bin"), trace_bin(n), "trailing x-trace-bin")


def poll_status(stub, watch_id, until_not="started", seconds=3.0):
    """The server's record of a watched call, polled until it is no longer `until_not`."""
    deadline = time.monotonic() + seconds
    while True:
        state = stub.unary("status:" + watch_id, timeout=TIMEOUT)
        if state != until_not or time.monotonic() > deadline:
            return state
        time.sleep(0.02)


def main(target):
    channel = grpc.insecure_channel(target)
    grpc.channel_ready_future(channel).result(timeout=10)
    stub = Stub(channel)

    # --- every RPC kind succeeds -------------------------------------------------------------------
    def unary_ok():
        response, error, _ = outcome_unary(stub.unary, "héllo ✓ 😀")
        expect(error is None, "failed: %r" % (error,))
        expect_equal(response, "héllo ✓ 😀", "echo")

    def client_stream_ok():
        response, error, _ = outcome_unary(stub.client_stream, iter(["a", "b", "c"]))
        expect(error is None, "failed: %r" % (error,))
        expect_equal(response, "abc", "concatenation")

    def server_stream_ok():
        messages, error, _ = outcome_stream(stub.server_stream, "xyz")
        expect(error is None, "failed: %r" % (error,))
        expect_equal(messages, ["x", "y", "z"], "messages")

    def bidi_ok():
        messages, error, _ = outcome_stream(stub.bidi, iter(["1", "2", "3"]))
        expect(error is None, "failed: %r" % (error,))
        expect_equal(messages, ["1", "2", "3"], "messages")

    def empty_and_large():
        expect_equal(stub.unary("", timeout=TIMEOUT), "", "empty string echo")
        big = "ü" * (512 * 1024)  # 1 MiB of UTF-8
        expect_equal(stub.unary(big, timeout=TIMEOUT), big, "1 MiB echo")

    def many_messages():
        inputs = ["m%d" % i for i in range(500)]
        expect_equal(stub.client_stream(iter(inputs), timeout=TIMEOUT), "".join(inputs), "500-message client stream")
        messages, error, _ = outcome_stream(stub.bidi, iter(inputs))
        expect(error is None, "bidi failed: %r" % (error,))
        expect_equal(messages, inputs, "500-message bidi")

    check("success: unary echo (unicode)", unary_ok)
    check("success: client streaming", client_stream_ok)
    check("success: server streaming", server_stream_ok)
    check("success: bidi streaming", bidi_ok)
    check("success: empty message and 1 MiB message", empty_and_large)
    check("success: 500 messages each way", many_messages)

    # --- metadata both ways, interceptor trailing metadata ----------------------------------------
    def metadata_to_server():
        seen = json.loads(stub.unary("metadata", timeout=TIMEOUT, metadata=(("x-client", "abc"), ("x-client-bin", b"\x00\xff\x10"))))
        expect_equal(seen.get("x-client"), "abc", "x-client seen by grpc-js")
        expect_equal(seen.get("x-client-bin"), "hex:00ff10", "x-client-bin seen by grpc-js")

    check("metadata: ASCII and -bin invocation metadata reach grpc-js", metadata_to_server)

    tag = (("x-want-tag", "py"),)
    kinds = [
        ("unary", lambda req, **kw: outcome_unary(stub.unary, req, **kw), "Execute"),
        ("client streaming", lambda req, **kw: outcome_unary(stub.client_stream, iter(["a", req]), **kw), "ExecuteClientStream"),
        ("server streaming", lambda req, **kw: outcome_stream(stub.server_stream, req, **kw), "ExecuteServerStream"),
        ("bidi", lambda req, **kw: outcome_stream(stub.bidi, iter(["a", "b", req]), **kw), "ExecuteClientServerStream"),
    ]
    for kind, call, method in kinds:

        def tagged(call=call, method=method):
            _, error, trailers = call("ok", metadata=tag)
            expect(error is None, "failed: %r" % (error,))
            expect_equal(trailers.get("x-tag"), "py via /DummyService/" + method, "x-tag set by @Intercept(TagInterceptor)")

        check("interceptor: trailing metadata on success, %s" % kind, tagged)

    def tagged_error():
        _, error, trailers = outcome_unary(stub.unary, "code:5", metadata=tag)
        expect_chosen(error, trailers, 5)
        expect_equal(trailers.get("x-tag"), "py via /DummyService/Execute", "interceptor's x-tag merged in")

    check("interceptor: its trailing metadata merged with the exception's", tagged_error)

    # --- the 16 non-OK codes, with details and trailing metadata, on every kind --------------------
    for n in range(1, 17):
        name = CODES[n].name

        def unary_code(n=n):
            _, error, trailers = outcome_unary(stub.unary, "code:%d" % n)
            expect_chosen(error, trailers, n)

        def client_stream_code(n=n):
            _, error, trailers = outcome_unary(stub.client_stream, iter(["a", "code:%d" % n, "c"]))
            expect_chosen(error, trailers, n)

        def server_stream_code(n=n):
            messages, error, trailers = outcome_stream(stub.server_stream, "code:%d" % n)
            expect_chosen(error, trailers, n)
            expect_equal(messages, [], "messages")

        def bidi_code(n=n):
            messages, error, trailers = outcome_stream(stub.bidi, iter(["a", "b", "code:%d" % n]))
            expect_chosen(error, trailers, n)
            expect_equal(messages, ["a", "b"], "messages before the error")

        check("status %2d %s: unary" % (n, name), unary_code)
        check("status %2d %s: client streaming" % (n, name), client_stream_code)
        check("status %2d %s: server streaming" % (n, name), server_stream_code)
        check("status %2d %s: bidi, after 2 messages" % (n, name), bidi_code)

    # --- errors after streamed messages --------------------------------------------------------------
    def server_stream_after():
        messages, error, trailers = outcome_stream(stub.server_stream, "after:3:9")
        expect_chosen(error, trailers, 9)
        expect_equal(messages, ["m0", "m1", "m2"], "messages before the error")

    def server_stream_after_domain():
        messages, error, _ = outcome_stream(stub.server_stream, "after-domain:2")
        expect_failure(error, grpc.StatusCode.OUT_OF_RANGE, "ran out (domain error mid-stream)")
        expect_equal(messages, ["m0", "m1"], "messages before the error")

    def server_stream_after_many():
        messages, error, trailers = outcome_stream(stub.server_stream, "after:200:15")
        expect_chosen(error, trailers, 15)
        expect_equal(len(messages), 200, "messages before the error")

    check("mid-stream: server stream fails after 3 messages (GrpcException)", server_stream_after)
    check("mid-stream: server stream fails after 2 messages (method-level @MapErrors wins)", server_stream_after_domain)
    check("mid-stream: server stream fails after 200 messages", server_stream_after_many)

    # --- @MapErrors, context.abort/setCode, unknown errors -------------------------------------------
    def mapped_domain():
        _, error, _ = outcome_unary(stub.unary, "domain")
        expect_failure(error, grpc.StatusCode.NOT_FOUND, "no such thing (domain error)")

    def mapped_function():
        _, error, trailers = outcome_unary(stub.unary, "quota")
        expect_failure(error, grpc.StatusCode.RESOURCE_EXHAUSTED, "quota: quota of 3 calls used up")
        expect_equal(trailers.get("retry-after-ms"), "250", "rule's trailing metadata")

    def context_abort():
        _, error, _ = outcome_unary(stub.unary, "abort:10")
        expect_failure(error, grpc.StatusCode.ABORTED, "aborted via context.abort")

    def context_set_code():
        _, error, _ = outcome_unary(stub.unary, "setcode")
        expect_failure(error, grpc.StatusCode.FAILED_PRECONDITION, "code set via context.setCode")

    def unknown_error():
        before = int(stub.unary("status:unknown-errors", timeout=TIMEOUT))
        _, error, _ = outcome_unary(stub.unary, "boom")
        expect_failure(error, grpc.StatusCode.UNKNOWN)
        expect("secret" not in (error.details() or ""), "details leak the error: %r" % error.details())
        after = int(stub.unary("status:unknown-errors", timeout=TIMEOUT))
        expect_equal(after - before, 1, "unknown errors reported on the server")

    def unimplemented():
        missing = channel.unary_unary("/DummyService/Nope", request_serializer=encode, response_deserializer=decode)
        _, error, _ = outcome_unary(missing, "x")
        expect_failure(error, grpc.StatusCode.UNIMPLEMENTED)

    check("errors: @MapErrors class rule (bare status)", mapped_domain)
    check("errors: @MapErrors function rule with metadata", mapped_function)
    check("errors: context.abort", context_abort)
    check("errors: context.setCode + setDetails", context_set_code)
    check("errors: unknown error -> UNKNOWN, nothing leaked, reported on the server", unknown_error)
    check("errors: unknown method -> UNIMPLEMENTED", unimplemented)

    # --- rich error details: our grpc-status-details-bin, decoded by the protobuf runtime ------------
    def rich(code, trailers, error):
        expect_failure(error, CODES[code], details_for(code))
        check_status_details(trailers, code, details_for(code))
        expect_equal(trailers.get("x-code"), str(code), "the exception's own trailers, next to the details")

    def rich_unary():
        _, error, trailers = outcome_unary(stub.unary, "rich:3")
        rich(3, trailers, error)

    def rich_client_stream():
        _, error, trailers = outcome_unary(stub.client_stream, iter(["a", "rich:8"]))
        rich(8, trailers, error)

    def rich_server_stream():
        messages, error, trailers = outcome_stream(stub.server_stream, "rich-after:2:9")
        expect_equal(messages, ["m0", "m1"], "messages before the error")
        rich(9, trailers, error)

    def rich_bidi():
        messages, error, trailers = outcome_stream(stub.bidi, iter(["a", "b", "rich:10"]))
        expect_equal(messages, ["a", "b"], "messages before the error")
        rich(10, trailers, error)

    def no_details_without_them():
        _, error, trailers = outcome_unary(stub.unary, "code:5")
        expect_failure(error, grpc.StatusCode.NOT_FOUND, details_for(5))
        expect(STATUS_DETAILS_KEY not in trailers, "a status without error details has no details trailer")

    def large_details_cut():
        _, error, trailers = outcome_unary(stub.unary, "rich-large")
        expect_failure(error, grpc.StatusCode.INVALID_ARGUMENT, "large details")
        status = Status.FromString(trailers[STATUS_DETAILS_KEY])
        expect_equal((status.code, status.message), (3, "large details"), "Status code/message")
        kept = [packed.type_url for packed in status.details]
        expect(0 < len(kept) < 20, "%d of 20 details kept" % len(kept))
        expect_equal(set(kept), {"type.googleapis.com/google.rpc.DebugInfo"}, "type URLs")

    check("rich status: unary, all ten detail types and an unknown one decode in Python", rich_unary)
    check("rich status: 20 KB of details are cut to fit C-core's 8 KiB limit, the code stays", large_details_cut)
    check("rich status: client streaming", rich_client_stream)
    check("rich status: server stream, after 2 messages", rich_server_stream)
    check("rich status: bidi, after 2 messages", rich_bidi)
    check("rich status: none on a status without error details", no_details_without_them)

    # --- deadlines -------------------------------------------------------------------------------
    def deadline_seen():
        remaining = int(stub.unary("deadline", timeout=TIMEOUT))
        # C-core rounds grpc-timeout up to its unit, so allow a little more than the timeout.
        expect(2000 < remaining <= TIMEOUT * 1000 + 100, "remaining deadline seen by the server: %d ms" % remaining)

    def deadline_unary():
        started = time.monotonic()
        _, error, _ = outcome_unary(stub.unary, "sleep", timeout=0.3)
        expect_failure(error, grpc.StatusCode.DEADLINE_EXCEEDED)
        expect(time.monotonic() - started < 2, "took %.2f s" % (time.monotonic() - started))

    def deadline_bidi_after_messages():
        messages, error, _ = outcome_stream(stub.bidi, iter(["a", "b", "sleep"]), timeout=0.5)
        expect_failure(error, grpc.StatusCode.DEADLINE_EXCEEDED)
        expect_equal(messages, ["a", "b"], "messages before the deadline")

    def deadline_signal():
        _, error, _ = outcome_unary(stub.unary, "watch:deadline", timeout=0.3)
        expect_failure(error, grpc.StatusCode.DEADLINE_EXCEEDED)
        state = poll_status(stub, "deadline")
        # C-core resets the stream at its own deadline, which comes a few ms before the server's (the
        # grpc-timeout is rounded up and counted from its arrival): the server may then see a cancellation.
        expect(state in ("aborted: DeadlineExceeded", "aborted: Cancelled"), "server-side signal: %r" % state)
        if state != "aborted: DeadlineExceeded":
            print("NOTE the server classified the expired deadline as %r" % state, flush=True)

    check("deadline: the server sees the client's deadline", deadline_seen)
    check("deadline: unary -> DEADLINE_EXCEEDED", deadline_unary)
    check("deadline: bidi -> messages before, then DEADLINE_EXCEEDED", deadline_bidi_after_messages)
    check("deadline: the server's signal aborts when the deadline passes", deadline_signal)

    # --- client cancellation, seen by the server ------------------------------------------------------
    def cancel_unary():
        future = stub.unary.future("watch:unary", timeout=TIMEOUT)
        expect_equal(poll_status(stub, "unary", until_not="unknown"), "started", "server started the call")
        future.cancel()
        expect(future.cancelled(), "the future is not cancelled")
        expect_equal(poll_status(stub, "unary"), "aborted: Cancelled", "server-side signal")

    def cancel_server_stream():
        call = stub.server_stream("stream-watch:stream", timeout=TIMEOUT)
        expect_equal(next(call), "started", "first message")
        call.cancel()
        try:
            list(call)
            raise AssertionError("the stream ended normally after cancel")
        except grpc.RpcError as error:
            expect_equal(error.code(), grpc.StatusCode.CANCELLED, "client-side status")
        expect_equal(poll_status(stub, "stream"), "aborted: Cancelled", "server-side signal")

    def cancel_bidi():
        release = threading.Event()

        def requests():
            yield "a"
            yield "watch:bidi"
            release.wait(TIMEOUT)

        call = stub.bidi(requests(), timeout=TIMEOUT)
        try:
            expect_equal(next(call), "a", "first message")
            expect_equal(poll_status(stub, "bidi", until_not="unknown"), "started", "server started watching")
            call.cancel()
            expect_equal(poll_status(stub, "bidi"), "aborted: Cancelled", "server-side signal")
        finally:
            release.set()

    check("cancel: unary future.cancel() aborts the server's signal", cancel_unary)
    check("cancel: server stream cancelled after its first message", cancel_server_stream)
    check("cancel: bidi cancelled mid-stream", cancel_bidi)

    channel.close()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: py_client.py HOST:PORT")
    try:
        main(sys.argv[1])
    except Exception as error:  # noqa: BLE001 - a crash outside a check is a failure too
        failed += 1
        print("FAIL python client crashed: %r" % (error,), flush=True)
    print("python-client: %d passed, %d failed" % (passed, failed), flush=True)
    sys.exit(1 if failed else 0)
