"""google.rpc.Status and the error detail messages for the interop checks, from the repository's own protos.

run.ts compiles protos/google/rpc/*.proto with buf into a FileDescriptorSet and passes its path in
$INTEROP_RPC_DESCRIPTORS; the protobuf runtime builds the message classes from it. (Debian's
python3-grpc-tools bundles protoc 3.6, which cannot compile proto3 `optional`, as error_details.proto has.)
"""

import os

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

STATUS_DETAILS_KEY = "grpc-status-details-bin"
TYPE_URL_PREFIX = "type.googleapis.com/"
UNKNOWN_TYPE_URL = "type.googleapis.com/interop.v1.Unknown"
UNKNOWN_VALUE = b"\x08\x2a\xff"

_pool = descriptor_pool.DescriptorPool()
with open(os.environ["INTEROP_RPC_DESCRIPTORS"], "rb") as file:
    for proto in descriptor_pb2.FileDescriptorSet.FromString(file.read()).file:
        _pool.Add(proto)
_factory = message_factory.MessageFactory(_pool)


def message_class(full_name):
    """The message class of e.g. "google.rpc.BadRequest"."""
    return _factory.GetPrototype(_pool.FindMessageTypeByName(full_name))


Status = message_class("google.rpc.Status")


def expected_details():
    """The details both sides send in the interop checks; must match interopErrorDetails() in richDetails.ts."""
    rpc = lambda name, **fields: message_class("google.rpc." + name)(**fields)  # noqa: E731
    quota = rpc("QuotaFailure")
    violation = quota.violations.add(
        subject="project:interop",
        description="quota ✓",
        api_service="interop.example.com",
        quota_metric="calls",
        quota_id="CallsPerMinute",
        quota_value=9007199254740991,
        future_quota_value=12,
    )
    violation.quota_dimensions["region"] = "eu"
    info = rpc("ErrorInfo", reason="INTEROP_CHECK", domain="interop.example.com")
    info.metadata["key"] = "välue ✓"
    bad = rpc("BadRequest")
    bad.field_violations.add(field="book.title", description="required", reason="REQUIRED").localized_message.CopyFrom(
        rpc("LocalizedMessage", locale="fr-FR", message="obligatoire ✓")
    )
    retry = rpc("RetryInfo")
    retry.retry_delay.seconds = 2
    retry.retry_delay.nanos = 500000000
    help_ = rpc("Help")
    help_.links.add(description="docs", url="https://interop.example.com/docs")
    precondition = rpc("PreconditionFailure")
    precondition.violations.add(type="TOS", subject="interop", description="not accepted")
    return [
        info,
        retry,
        rpc("DebugInfo", stack_entries=["frame 1", "frame 2"], detail="debug ✓"),
        quota,
        precondition,
        bad,
        rpc("RequestInfo", request_id="req-42", serving_data="opaque"),
        rpc("ResourceInfo", resource_type="book", resource_name="books/42", owner="user:interop", description="gone"),
        help_,
        rpc("LocalizedMessage", locale="ja-JP", message="状態 ✓"),
    ]


def status_bytes(code, message):
    """A serialized google.rpc.Status with the expected details and an unknown packed message."""
    status = Status(code=code, message=message)
    for detail in expected_details():
        packed = status.details.add()
        packed.type_url = TYPE_URL_PREFIX + detail.DESCRIPTOR.full_name
        packed.value = detail.SerializeToString()
    unknown = status.details.add()
    unknown.type_url = UNKNOWN_TYPE_URL
    unknown.value = UNKNOWN_VALUE
    return status.SerializeToString()


def check_status_details(trailers, code, details):
    """Raises AssertionError unless `trailers` hold a Status with `code`, `details` and the expected details."""
    value = trailers.get(STATUS_DETAILS_KEY)
    if not isinstance(value, bytes):
        raise AssertionError("no %s trailer (got %r)" % (STATUS_DETAILS_KEY, value))
    status = Status.FromString(value)
    if (status.code, status.message) != (code, details):
        raise AssertionError("Status code/message %r, expected %r" % ((status.code, status.message), (code, details)))
    expected = expected_details()
    urls = [packed.type_url for packed in status.details]
    wanted = [TYPE_URL_PREFIX + detail.DESCRIPTOR.full_name for detail in expected] + [UNKNOWN_TYPE_URL]
    if urls != wanted:
        raise AssertionError("type URLs %r, expected %r" % (urls, wanted))
    for packed, detail in zip(status.details, expected):
        decoded = type(detail).FromString(packed.value)
        if decoded != detail:
            raise AssertionError("%s decoded as %r, expected %r" % (packed.type_url, decoded, detail))
    if status.details[-1].value != UNKNOWN_VALUE:
        raise AssertionError("unknown detail bytes %r, expected %r" % (status.details[-1].value, UNKNOWN_VALUE))
