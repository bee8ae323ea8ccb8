#!/usr/bin/env python3
"""Regenerates airports.csv (iata,country,lat,lon) from the shared places table.

Usage: python3 make-airports.py [SOURCE] > airports.csv
SOURCE defaults to ../../../../shared/data/places/airports-iata.csv (the repository's sibling shared/).
Coordinates are rounded to 4 decimals (about 11 m), rows sorted by IATA code, so the output is stable.
"""
import csv
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
source = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    here, "..", "..", "..", "..", "shared", "data", "places", "airports-iata.csv")

rows = []
with open(source, newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        iata, country = row["iata"].strip().upper(), row["country"].strip().upper()
        if len(iata) != 3 or not iata.isalnum() or len(country) != 2:
            continue
        try:
            lat, lon = float(row["lat"]), float(row["lon"])
        except ValueError:
            continue
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            continue
        rows.append((iata, country, f"{lat:.4f}".rstrip("0").rstrip("."), f"{lon:.4f}".rstrip("0").rstrip(".")))

rows.sort()
out = sys.stdout
out.write("iata,country,lat,lon\n")
seen = set()
for iata, country, lat, lon in rows:
    if iata in seen:
        continue
    seen.add(iata)
    out.write(f"{iata},{country},{lat},{lon}\n")
