#!/usr/bin/env python3
"""Seeds the fuzz corpora from test-data: fuzz/corpus/message/ with the binary messages of test-data/wire
(valid) and test-data/malformed, fuzz/corpus/zonefile/ with test-data/zonefiles/*.zone.

    python3 fuzz/seed_corpus.py

Each seed is named after the file it came from. Only the standard library is needed.
"""

import os

FUZZ = os.path.dirname(os.path.abspath(__file__))
TEST_DATA = os.path.join(FUZZ, "..", "test-data")
OUT = os.path.join(FUZZ, "corpus", "message")
ZONE_OUT = os.path.join(FUZZ, "corpus", "zonefile")


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


if __name__ == "__main__":
    main()
