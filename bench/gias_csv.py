#!/usr/bin/env python3
"""Writes a synthetic Get Information about Schools CSV for benchmarking the school import.

    bench/gias_csv.py ROWS [EDITION] > gias.csv

Authorities and districts are England's real ones (src/seed/data/england-local-authorities.csv):
schools go round the 153 education authorities, a county's schools round its districts, and a
borough's or unitary's district is the authority itself, as GIAS writes it. `LA (code)` is left
blank, because no DfE LA number is recorded in that list and none is invented here: rows are
matched by `LA (name)`. URNs, names and postcodes (the `ZZ99` pseudo-postcode area) are made up,
and the same arguments always give the same file. EDITION 2 renames every tenth school and
closes every fiftieth, for measuring updates. Extra columns stand in for the ~130 that GIAS
exports and the import ignores.
"""

import csv
import sys
from pathlib import Path

AUTHORITIES = Path(__file__).resolve().parent.parent / "src/seed/data/england-local-authorities.csv"
PHASES = ["Primary"] * 6 + ["Secondary"] * 2 + ["Nursery", "16 plus", "All-through",
          "Middle deemed primary", "Middle deemed secondary", "Not applicable"]
HEADER = ["URN", "LA (code)", "LA (name)", "EstablishmentNumber", "EstablishmentName",
          "TypeOfEstablishment (name)", "EstablishmentStatus (name)", "PhaseOfEducation (name)",
          "NumberOfPupils", "Street", "Town", "Postcode", "DistrictAdministrative (code)"]


def main() -> None:
    rows = int(sys.argv[1])
    edition = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    with AUTHORITIES.open(newline="") as file:
        authorities = list(csv.DictReader(file))
    districts = {}
    for authority in authorities:
        if authority["kind"] == "district":
            districts.setdefault(authority["parent_gss_code"], []).append(authority["gss_code"])
    educating = [a for a in authorities if a["kind"] != "district"]

    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(HEADER)
    for i in range(rows):
        authority = educating[i % len(educating)]
        own = districts.get(authority["gss_code"])
        district = own[(i // len(educating)) % len(own)] if own else authority["gss_code"]
        name = f"Synthetic School {i:05d}"
        status = "Open" if i % 40 else "Closed"
        if i % 97 == 0:
            status = "Open, but proposed to close"
        if edition > 1 and i % 10 == 0:
            name += " Academy"
        if edition > 1 and i % 50 == 0:
            status = "Closed"
        postcode = f"ZZ{10 + i % 90} {i % 10}{chr(65 + i % 26)}{chr(65 + (i // 26) % 26)}"
        out.writerow([100000 + i * 7, "", authority["name"], 2000 + i % 8000, name,
                      "Community school", status, PHASES[i % len(PHASES)], 100 + i % 1500,
                      f"{1 + i % 200} High Street", "Synthetic Town", postcode, district])


if __name__ == "__main__":
    main()
