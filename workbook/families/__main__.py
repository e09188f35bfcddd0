"""``python -m workbook.families``: parse the shipped family files and write their snapshot
(``scoring/profiles/families/parsed.json``, see ``workbook.families.data``)."""
from workbook.families.data import write_snapshot

print(write_snapshot())
