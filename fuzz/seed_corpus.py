#!/usr/bin/env python3
"""Seeds the fuzz corpora from test-data: fuzz/corpus/message/ with the binary messages of test-data/wire
(valid) and test-data/malformed, fuzz/corpus/zonefile/ with test-data/zonefiles/*.zone, and
fuzz/corpus/transfer/ with a few AXFR and IXFR response streams built here.

    python3 fuzz/seed_corpus.py

Each seed is named after the file it came from. Only the standard library is needed.
"""

import os
import struct

FUZZ = os.path.dirname(os.path.abspath(__file__))
TEST_DATA = os.path.join(FUZZ, "..", "test-data")
OUT = os.path.join(FUZZ, "corpus", "message")
ZONE_OUT = os.path.join(FUZZ, "corpus", "zonefile")
TRANSFER_OUT = os.path.join(FUZZ, "corpus", "transfer")


def hex_lines(text, vector):
    """The hex lines of a file: for a wire vector those between `hex:` and `expect:`, else all."""
    inside = not vector
    for line in text.splitlines():
        stripped = line.strip()
        if vector and stripped == "hex:":
            inside = True
        elif vector and stripped == "expect:":
            inside = False
        elif inside:
            yield stripped.split("#", 1)[0]


def main():
    os.makedirs(OUT, exist_ok=True)
    count = 0
    for directory, extension, vector in (("wire", ".txt", True), ("malformed", ".hex", False)):
        folder = os.path.join(TEST_DATA, directory)
        for file in sorted(os.listdir(folder)):
            if not file.endswith(extension):
                continue
            with open(os.path.join(folder, file)) as source:
                data = bytes.fromhex("".join(hex_lines(source.read(), vector)))
            with open(os.path.join(OUT, "%s-%s" % (directory, file[: -len(extension)])), "wb") as out:
                out.write(data)
            count += 1
    print("wrote %d seeds to %s" % (count, OUT))
    os.makedirs(ZONE_OUT, exist_ok=True)
    zones = os.path.join(TEST_DATA, "zonefiles")
    count = 0
    for file in sorted(os.listdir(zones)) if os.path.isdir(zones) else []:
        if file.endswith(".zone"):
            with open(os.path.join(zones, file), "rb") as source, \
                    open(os.path.join(ZONE_OUT, file), "wb") as out:
                out.write(source.read())
            count += 1
    print("wrote %d seeds to %s" % (count, ZONE_OUT))
    transfer_seeds()


def _name(text):
    """Uncompressed wire form of an absolute name."""
    out = b""
    for label in text.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def _record(owner, rtype, rdata):
    return _name(owner) + struct.pack("!HHIH", rtype, 1, 300, len(rdata)) + rdata


def _soa(serial):
    rdata = _name("ns.example.") + _name("host.example.") + struct.pack("!5I", serial, 3600, 600, 86400, 300)
    return _record("example.", 6, rdata)


def _a(owner, address):
    return _record(owner, 1, bytes(int(part) for part in address.split(".")))


def _framed(qtype, records):
    """One TCP-framed response with ID 0, as the `transfer` target expects."""
    message = struct.pack("!HHHHHH", 0, 0x8400, 1, len(records), 0, 0)
    message += _name("example.") + struct.pack("!HH", qtype, 1) + b"".join(records)
    return struct.pack("!H", len(message)) + message


def transfer_seeds():
    """Response streams for the `transfer` target: first byte 0 asks AXFR, 1 asks IXFR from serial 1."""
    axfr, ixfr = 252, 251
    ns = _record("example.", 2, _name("ns.example."))
    seeds = {
        "axfr": b"\0" + _framed(axfr, [_soa(2), ns, _a("ns.example.", "192.0.2.1")])
        + _framed(axfr, [_a("x.example.", "192.0.2.9"), _soa(2)]),
        "ixfr-incremental": b"\1" + _framed(ixfr, [
            _soa(3), _soa(1), _a("www.example.", "192.0.2.2"), _soa(2), _a("new.example.", "192.0.2.7"),
            _soa(2), _soa(3), _soa(3)]),
        "ixfr-current": b"\1" + _framed(ixfr, [_soa(1)]),
        "ixfr-full": b"\1" + _framed(ixfr, [_soa(2), ns, _a("ns.example.", "192.0.2.1"), _soa(2)]),
    }
    os.makedirs(TRANSFER_OUT, exist_ok=True)
    for file, data in seeds.items():
        with open(os.path.join(TRANSFER_OUT, file), "wb") as out:
            out.write(data)
    print("wrote %d seeds to %s" % (len(seeds), TRANSFER_OUT))


if __name__ == "__main__":
    main()
