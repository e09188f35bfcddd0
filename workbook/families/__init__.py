"""Form families: recognise which layout a sheet holds, choose its profile, and read it.

Units publish many layouts besides the Hubei 附件2-1 form: the 财预〔2020〕10号 project form, Sichuan's
project form with the target split over 指标性质 / 指标值 / 度量单位, Anhui and Chongqing department
forms... Each family is a data file in ``scoring/profiles/families/`` (its words, its vocabulary, its
profile); this package turns a sheet into what ``workbook.layout.read_form`` reads, and tidies what
it read. The pipeline calls three functions around the reader:

    reading = families.prepare(grid, profile)      # recognise; choose the profile unless given
    form = read_form(reading.grid)                 # the reading view: the family's words mapped
    families.after_read(form, reading)             # reading findings, methods by meaning
    result = score_form(form, reading.profile)
    families.after_score(form, result, reading)    # family checks; 未评分; noise of the layout

``Reading.why`` says in Chinese which family and profile were chosen and why.
"""
from __future__ import annotations

from .data import Family, families, family
from .reading import Reading, after_read, after_score, prepare, recognise

__all__ = ["Family", "Reading", "families", "family", "prepare", "recognise", "after_read", "after_score"]
