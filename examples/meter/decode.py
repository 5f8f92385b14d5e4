"""Decodes a meter telegram file with joule.meter and prints it as a table.

    python3 decode.py telegram.txt
"""
import sys

import joule.meter as jm

telegrams = jm.decode(open(sys.argv[1], "rb").read())
df = jm.to_dataframe(telegrams)
numbers = df[df["value"].notna()]
for _, row in numbers.iterrows():
    print(f"{row['id']:<14} {row['value']:>12g} {row['unit'] or ''}")
