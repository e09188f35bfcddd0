"""``Styles.with_fill`` keeps its answer for an existing cell format and a fill: the same index, and the
same styles part, as computing it each time (find or add the fill, then the format with that fill) —
over the styles parts of the seed example, its written copy, the real forms and the family templates,
with repeated, interleaved and out-of-range formats (a format past the end reads as format 0 until one is
appended there, so its answer is never kept)."""
from __future__ import annotations

import zipfile

from tests.conftest import EXAMPLE
from workbook import pipeline, xlsx
from workbook.opc import set_attrs, tag_end
from workbook.stylesxml import Styles, solid_fill


def _plain(styles: Styles, xf_index: int, fill) -> int:
    fill_id = 0 if fill is None else styles.find_or_add("fills", fill)
    el = styles.xf(xf_index)
    te = tag_end(el, 0)
    tag = set_attrs(el[:te], {"fillId": str(fill_id), "applyFill": "1" if fill_id else None})
    return styles.find_or_add("cellXfs", tag + el[te:])


def _parts(folder) -> list[bytes]:
    from pe_score.family_templates import outputs
    from tests.real.build import build as build_real

    written = folder / "written.xlsx"
    xlsx.write_scored(EXAMPLE, written, pipeline.score_workbook(xlsx.read_grids(EXAMPLE)).plan)
    files = [EXAMPLE, written, *build_real(folder / "real")]
    for rel, wb in outputs().items():
        files.append(folder / rel.name)
        wb.save(files[-1])
    parts = []
    for path in files:
        with zipfile.ZipFile(path) as z:
            parts += [z.read(n) for n in z.namelist() if n.endswith("styles.xml")]
    return parts


def test_kept_answers_equal_computed_ones(tmp_path):
    fills = [solid_fill("FFFFFF00"), solid_fill("FFFFC7CE"), None, solid_fill("FFFFFF00")]
    parts = _parts(tmp_path)
    assert len(parts) > 20
    for data in parts:
        kept, plain = Styles(data), Styles(data)
        n = kept.count("cellXfs")
        formats = [0, 1, n - 1, n, n + 1, n + 2, 0, n, 1, n + 1]  # n, n + 1: past the end until appended
        for round_ in range(3):
            for i, xf in enumerate(formats):
                fill = fills[(i + round_) % len(fills)]
                assert kept.with_fill(xf, fill) == _plain(plain, xf, fill), (xf, fill)
            # something else appended between rounds, as the 评分说明 styles are
            font = f'<font><sz val="{10 + round_}"/></font>'.encode()
            assert kept.xf_for(font=font) == plain.xf_for(font=font)
        assert kept.data == plain.data
        assert kept._with_fill  # answers were kept (and checked above on the later rounds)


def test_a_format_past_the_end_is_read_again_once_appended():
    with zipfile.ZipFile(EXAMPLE) as z:
        data = z.read("xl/styles.xml")
    kept, plain = Styles(data), Styles(data)
    fill = solid_fill("FFFFFF00")
    far = kept.count("cellXfs") + 5
    assert kept.with_fill(far, fill) == _plain(plain, far, fill)  # read as format 0
    size = 20
    while kept.count("cellXfs") <= far:  # formats with other fonts appended up to and past ``far``
        font = f'<font><b/><sz val="{size}"/></font>'.encode()
        assert kept.xf_for(font=font) == plain.xf_for(font=font)
        size += 1
    assert kept.with_fill(far, fill) == _plain(plain, far, fill)  # now the appended format, bold
    assert kept.data == plain.data
