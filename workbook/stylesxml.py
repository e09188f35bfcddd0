"""Append-only editing of xl/styles.xml: find or add the fonts, fills, borders and cell formats
(``cellXfs``) the tool needs, leaving every existing entry — and so every existing style index — as it was.

Entries are compared by a canonical form (attributes sorted, insignificant whitespace dropped), so a
second run finds what the first one appended instead of appending it again.
"""
from __future__ import annotations

import re

from scoring.lazy import compiled
from functools import lru_cache
import xml.parsers.expat
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Optional

from workbook.opc import PackageError, element_end, expat_parser, set_attrs, start_tag_attrs, tag_end, xml_error

_COLLECTIONS = ["numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
                "tableStyles", "colors", "extLst"]
_ITEM = {"fonts": "font", "fills": "fill", "borders": "border", "cellXfs": "xf"}

MINIMAL = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b'<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
           b'<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
           b'<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           b'<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           b'<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
           b'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
           b"</styleSheet>")


_TAG = compiled(rb"<(/?)([\w:.-]+)((?:\s+[\w:.-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>|([^<]+)")


@lru_cache(maxsize=4096)
def canonical(element: bytes) -> str:
    """A comparable form of one element: prefixes dropped, attributes sorted (namespace declarations
    dropped), empty-element tags expanded, whitespace between tags dropped. Refuses DTDs and comments."""
    if b"<!" in element or b"<?" in element:
        raise PackageError("样式表 XML 含有标记声明，为安全起见不予处理")
    out: list[str] = []
    pos = 0
    for m in _TAG.finditer(element):
        if m.start() != pos:
            raise PackageError("样式表 XML 格式错误")
        pos = m.end()
        closing, name, attrs, empty, text = m.groups()
        if text is not None:
            if text.strip():
                out.append(text.decode("utf-8"))
            continue
        local = name.decode().rsplit(":", 1)[-1]
        if closing:
            out.append(f"</{local}>")
            continue
        items = sorted((k.rsplit(":", 1)[-1], v) for k, v in start_tag_attrs(b"<x" + attrs + b">")
                       if not k.startswith("xmlns"))
        out.append("<" + local + "".join(f' {k}="{v}"' for k, v in items) + ">")
        if empty:
            out.append(f"</{local}>")
    if pos != len(element) or not out:
        raise PackageError("样式表 XML 格式错误")
    return "".join(out)


class Styles:
    def __init__(self, data: Optional[bytes]) -> None:
        self._data = data if data else MINIMAL
        self.created = not data
        self.pending: dict[str, list[bytes]] = {k: [] for k in _ITEM}  # appended, written out by ``data``
        self._index()
        self._canon: dict[str, Optional[dict[str, int]]] = {k: None for k in _ITEM}
        self._with_fill: dict[tuple[int, Optional[bytes]], int] = {}  # (format, fill) -> ``with_fill``'s answer
        self._stale = False  # ``data`` wrote the pending entries in: offsets are indexed again when needed
        self.dirty = self.created

    @property
    def data(self) -> bytes:
        """The styles part with every appended entry in place (one pass over the part)."""
        if not any(self.pending.values()):
            return self._data
        self._fresh()
        data = self._data
        reps: list[tuple[int, int, bytes]] = []
        p = self.prefix
        for collection, items in self.pending.items():
            if not items:
                continue
            body = b"".join(items)
            n = len(self.items[collection]) + len(items)
            if collection not in self.spans:  # missing: created in schema order
                rank = _COLLECTIONS.index(collection)
                pos = next((st for name, st in self.top if name in _COLLECTIONS and _COLLECTIONS.index(name) > rank),
                           self.root_end)
                reps.append((pos, pos, f'<{p}{collection} count="{n}">'.encode() + body + f"</{p}{collection}>".encode()))
                continue
            st, te, close = self.spans[collection]
            tag = set_attrs(data[st:te], {"count": str(n)})
            if close < 0:  # <fills/>
                reps.append((st, te, tag[:-2].rstrip() + b">" + body + f"</{p}{collection}>".encode()))
            else:
                reps.append((st, te, tag))
                reps.append((close, close, body))
        out, pos = [], 0
        for st, e, b in sorted(reps, key=lambda r: (r[0], r[1])):
            out += [data[pos:st], b]
            pos = e
        out.append(data[pos:])
        self._data = b"".join(out)
        self.pending = {k: [] for k in _ITEM}
        self._stale = True  # the canonical forms and their indexes still hold; the offsets do not
        return self._data

    def _fresh(self) -> None:
        if self._stale:
            self._stale = False
            self._index()

    def _index(self) -> None:
        data = self._data
        p = expat_parser("样式表")
        self.prefix = ""
        self.root_end = -1
        self.top: list[tuple[str, int]] = []  # (local, start) of the stylesheet's children
        self.spans: dict[str, tuple[int, int, int]] = {}  # collection -> (start, tag_end, close)
        self.items: dict[str, list[tuple[int, int]]] = {k: [] for k in _ITEM}
        depth = [0]
        stack: list[tuple[str, int, int]] = []

        def start(name, attrs):
            i = p.CurrentByteIndex
            local = name.rsplit(":", 1)[-1]
            d = depth[0]
            depth[0] += 1
            if d == 0:
                self.prefix = name[: -len(local)]
            elif d == 1:
                self.top.append((local, i))
                self.spans[local] = (i, tag_end(data, i), -1)
            elif d == 2:
                parent = self.top[-1][0]
                if parent in _ITEM and local == _ITEM[parent]:
                    stack.append((parent, i))

        def end(name):
            i = p.CurrentByteIndex
            depth[0] -= 1
            d = depth[0]
            local = name.rsplit(":", 1)[-1]
            if d == 0:
                self.root_end = i
            elif d == 1 and local in self.spans:
                s, te, _ = self.spans[local]
                self.spans[local] = (s, te, i if data.startswith(b"</", i) else -1)
            elif d == 2 and stack:
                parent, s = stack.pop()
                e = element_end(data, i, name)
                self.items[parent].append((s, e))

        p.StartElementHandler, p.EndElementHandler = start, end
        try:
            p.Parse(data, True)
        except xml.parsers.expat.ExpatError as exc:
            raise xml_error("样式表", exc) from None

    def element(self, collection: str, index: int) -> Optional[bytes]:
        self._fresh()
        items = self.items[collection]
        if 0 <= index < len(items):
            s, e = items[index]
            return self._data[s:e]
        pending = self.pending[collection]
        if 0 <= index - len(items) < len(pending):
            return pending[index - len(items)]
        return None

    def count(self, collection: str) -> int:
        self._fresh()
        return len(self.items[collection]) + len(self.pending[collection])

    def find_or_add(self, collection: str, element: bytes) -> int:
        """The index of an entry equal to ``element`` (unprefixed XML), appending it when missing."""
        canon = self._canon[collection]
        if canon is None:
            canon = {}
            for i in range(self.count(collection)):
                canon.setdefault(canonical(self.element(collection, i)), i)
            self._canon[collection] = canon
        key = canonical(element)
        if key in canon:
            return canon[key]
        index = self.count(collection)
        self.pending[collection].append(self._prefixed(element))
        canon[key] = index
        self.dirty = True
        return index

    def _prefixed(self, element: bytes) -> bytes:
        if not self.prefix:
            return element
        p = self.prefix.encode()
        return re.sub(rb"<(/?)(?=[A-Za-z])", rb"<\1" + p, element)

    # ---- cell formats ----
    def xf(self, index: int) -> bytes:
        el = self.element("cellXfs", index)
        if el is None:
            el = self.element("cellXfs", 0) or b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        return self._unprefixed(el)

    def _unprefixed(self, el: bytes) -> bytes:
        if not self.prefix:
            return el
        return el.replace(b"<" + self.prefix.encode(), b"<").replace(b"</" + self.prefix.encode(), b"</")

    def xf_attr(self, index: int, name: str, default: str = "0") -> str:
        el = self.xf(index)
        return dict(start_tag_attrs(el[: tag_end(el, 0)])).get(name, default)

    def fill_of(self, xf_index: int) -> bytes:
        try:
            fill_id = int(self.xf_attr(xf_index, "fillId"))
        except ValueError:
            fill_id = 0
        el = self.element("fills", fill_id)
        return self._unprefixed(el) if el is not None else b'<fill><patternFill patternType="none"/></fill>'

    def with_fill(self, xf_index: int, fill: Optional[bytes]) -> int:
        """A cell format like ``xf_index`` but with ``fill`` (found or appended; None: no fill, which is
        always fills[0]); returns its index."""
        key = (xf_index, fill)
        known = self._with_fill.get(key)
        if known is not None:
            return known
        existing = 0 <= xf_index < self.count("cellXfs")
        fill_id = 0 if fill is None else self.find_or_add("fills", fill)
        el = self.xf(xf_index)
        te = tag_end(el, 0)
        tag = set_attrs(el[:te], {"fillId": str(fill_id), "applyFill": "1" if fill_id else None})
        index = self.find_or_add("cellXfs", tag + el[te:])
        if existing:
            # kept: entries are only appended, so an existing format's XML and the index found for an
            # element never change (a format past the end reads as format 0 until one is appended there)
            self._with_fill[key] = index
        return index

    def xf_for(self, *, font: Optional[bytes] = None, fill: Optional[bytes] = None, border: Optional[bytes] = None,
               alignment: Optional[bytes] = None, num_fmt: int = 0) -> int:
        """A cell format built from parts (each found or appended)."""
        attrs = {"numFmtId": str(num_fmt), "fontId": "0", "fillId": "0", "borderId": "0", "xfId": "0"}
        if font is not None:
            attrs["fontId"] = str(self.find_or_add("fonts", font))
            attrs["applyFont"] = "1"
        if fill is not None:
            attrs["fillId"] = str(self.find_or_add("fills", fill))
            attrs["applyFill"] = "1"
        if border is not None:
            attrs["borderId"] = str(self.find_or_add("borders", border))
            attrs["applyBorder"] = "1"
        if alignment is not None:
            attrs["applyAlignment"] = "1"
        body = "".join(f' {k}="{v}"' for k, v in attrs.items())
        el = f"<xf{body}>".encode() + (alignment or b"") + b"</xf>" if alignment else f"<xf{body}/>".encode()
        return self.find_or_add("cellXfs", el)


def solid_fill(argb: str) -> bytes:
    return (f'<fill><patternFill patternType="solid"><fgColor rgb="{argb}"/><bgColor rgb="{argb}"/>'
            f"</patternFill></fill>").encode()


_FG = compiled(rb'<(?:\w+:)?fgColor\b[^>]*\brgb\s*=\s*["\']([0-9A-Fa-f]{6,8})["\']')
_SOLID = compiled(rb'patternType\s*=\s*["\']solid["\']')


def is_solid(fill: bytes, argb: str) -> bool:
    """Is ``fill`` a solid fill of colour ``argb`` (the highlight this tool applies)?"""
    m = _FG.search(fill)
    return bool(_SOLID.search(fill)) and m is not None and m.group(1).decode().upper()[-6:] == argb.upper()[-6:]


def fill_from_record(original: str) -> Optional[bytes]:
    """The fill to restore from a record: "" none (None), "#RRGGBB" (ribbon), or fill XML (file writer)."""
    if not original:
        return None
    if original.startswith("#") and re.fullmatch(r"#[0-9A-Fa-f]{6}", original):
        return solid_fill("FF" + original[1:].upper())
    text = original.strip().encode("utf-8")
    if not text.startswith(b"<") or b"<!" in text:
        raise PackageError("记录中的填充格式无法识别")
    if not canonical(text).startswith("<fill>"):  # well-formed, no DTD, and a fill
        raise PackageError("记录中的填充格式无法识别")
    return text
