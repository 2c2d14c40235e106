"""Hand-written protobuf codec for the dummy service's messages.

DummyRequest {string input = 1} and DummyResponse {string output = 1} have the same wire form: one
length-delimited field number 1. Enough for grpcio's generic API, without generated stubs or protobuf.
"""

SERVICE = "DummyService"
EXECUTE = "/DummyService/Execute"
CLIENT_STREAM = "/DummyService/ExecuteClientStream"
SERVER_STREAM = "/DummyService/ExecuteServerStream"
BIDI = "/DummyService/ExecuteClientServerStream"


def _varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_varint(data, pos):
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def encode(text):
    """Serializes a message whose field 1 is `text` (proto3: an empty string is not written)."""
    raw = text.encode("utf-8")
    return b"\x0a" + _varint(len(raw)) + raw if raw else b""


def decode(data):
    """Parses field 1 of a message as a UTF-8 string, skipping unknown fields."""
    pos, text = 0, ""
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        field, wire_type = key >> 3, key & 7
        if wire_type == 0:
            _, pos = _read_varint(data, pos)
        elif wire_type == 1:
            pos += 8
        elif wire_type == 2:
            length, pos = _read_varint(data, pos)
            if field == 1:
                text = data[pos : pos + length].decode("utf-8")
            pos += length
        elif wire_type == 5:
            pos += 4
        else:
            raise ValueError("unsupported wire type %d" % wire_type)
    return text


def details_for(code):
    """The details both sides use for a chosen status code: unicode, a percent sign and quotes."""
    return 'interop détails ✓ 状态 %d 100%% 😀 "quoted"' % code


def trace_bin(code):
    """The binary trailing metadata value both sides use for a chosen status code."""
    return bytes([0, 1, 2, 0xFE, 0xFF, code])


if __name__ == "__main__":
    for sample in ["", "a", "héllo ✓", "x" * 300]:
        assert decode(encode(sample)) == sample, sample
    print("codec ok")
