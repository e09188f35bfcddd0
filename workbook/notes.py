"""The tool's notes: the text block it adds to a cell note, and how a later run removes only that block.

A block is a mark line (``NOTE_MARK``) followed by one line per finding (``PEnnn 说明``). Removing it
removes the mark line and the finding lines after it, and nothing else: what a user typed before, inside
or after the block stays, with its formatting. Both adapters use these functions (the file writer on the
comments part, the ribbon on a live note's text).

The file side edits the sheet's comments part (a small tree of its own: it keeps every element and
attribute it does not know) and its legacy VML drawing as text (Excel's VML is not always well-formed XML).
"""
from __future__ import annotations

import re

from scoring.lazy import compiled
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Optional

from workbook.grid import parse_a1
from workbook.opc import PackageError, escape_forbidden
from workbook.record import AUTHOR, NOTE_MARK, NOTE_SEPARATOR

OLD_MARK = NOTE_SEPARATOR.strip("\n")  # "—— pe-score ——": earlier versions put this above an appended block
_CODE_LINE = compiled(r"^PE\d{3}\b")


def tool_block(text: str) -> str:
    """The block for ``text`` (finding lines "PEnnn …"): the mark line, then one line per finding."""
    lines: list[str] = []
    for ln in text.replace("\r\n", "\n").split("\n"):
        if not ln.strip():
            continue
        if lines and not _CODE_LINE.match(ln):
            lines[-1] += " " + ln.strip()  # a finding is one line, so a later run can find all of it
        else:
            lines.append(ln)
    return "\n".join([NOTE_MARK] + lines)


def delete_mask(text: str, author_is_tool: bool = False) -> list[bool]:
    """For each character of ``text``, whether it belongs to a tool block (or is the blank left over)."""
    mask = [False] * len(text)
    pos = 0
    in_block = author_is_tool  # notes written by old versions under the tool's name had no mark line
    for ln in text.split("\n"):
        end = pos + len(ln)
        s = ln.strip()
        ours = s in (NOTE_MARK, OLD_MARK) or (in_block and bool(_CODE_LINE.match(ln)))
        if s in (NOTE_MARK, OLD_MARK):
            in_block = True
        if ours:
            # the line and the line break that joins it to the text before it (or after, at the start)
            lo = pos - 1 if pos > 0 else pos
            hi = end if pos > 0 else min(end + 1, len(text))
            for i in range(max(lo, 0), hi):
                mask[i] = True
        pos = end + 1
    # blank lines and spaces left at either end belong to nobody
    kept = [i for i, m in enumerate(mask) if not m]
    for i in reversed(kept):
        if text[i] in "\n \t\r":
            mask[i] = True
        else:
            break
    for i in kept:
        if mask[i]:
            continue
        if text[i] in "\n\r":
            mask[i] = True
        else:
            break
    return mask


def strip_tool_blocks(text: str, author_is_tool: bool = False) -> str:
    """``text`` without the tool's blocks: what the user wrote."""
    mask = delete_mask(text, author_is_tool)
    return "".join(ch for ch, m in zip(text, mask) if not m)


def has_tool_block(text: str, author_is_tool: bool = False) -> bool:
    return any(delete_mask(text, author_is_tool)) and (
        author_is_tool or NOTE_MARK in text or OLD_MARK in text)


def with_tool_block(user_text: str, block: str) -> str:
    return f"{user_text}\n{block}" if user_text else block


# ---- the comments part ----------------------------------------------------------------------

COMMENTS_EMPTY = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  b'<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                  b"<authors/><commentList/></comments>")


class _El:
    """An element of the comments part as written: its qualified name, its attributes in order
    (namespace declarations included) and its children (elements, text strings, processing
    instructions). Enough of a tree to edit notes and write every other thing back as it came."""

    __slots__ = ("name", "attrs", "children", "parent")

    def __init__(self, name: str, attrs: Optional[list[str]] = None, parent: Optional["_El"] = None) -> None:
        self.name = name
        self.attrs: list[str] = attrs if attrs is not None else []  # name, value, name, value ...
        self.children: list = []
        self.parent = parent

    @property
    def local(self) -> str:
        return self.name.rsplit(":", 1)[-1]

    def get(self, name: str) -> str:
        a = self.attrs
        for i in range(0, len(a), 2):
            if a[i] == name:
                return a[i + 1]
        return ""

    def set(self, name: str, value: str) -> None:
        a = self.attrs
        for i in range(0, len(a), 2):
            if a[i] == name:
                a[i + 1] = value
                return
        a += [name, value]

    def elements(self, local: Optional[str] = None) -> list["_El"]:
        return [c for c in self.children if type(c) is _El and (local is None or c.local == local)]

    def first(self, local: str) -> Optional["_El"]:
        for c in self.children:
            if type(c) is _El and c.local == local:
                return c
        return None

    def append(self, child: "_El") -> "_El":
        child.parent = self
        self.children.append(child)
        return child

    def remove(self, child) -> None:
        self.children.remove(child)

    def text(self) -> str:
        return "".join(c for c in self.children if type(c) is str)

    def set_text(self, value: str) -> None:
        self.children = [value] if value else []

    def copy(self, parent: Optional["_El"] = None) -> "_El":
        out = _El(self.name, list(self.attrs), parent)
        out.children = [c.copy(out) if type(c) is _El else c for c in self.children]
        return out

    def write(self, out: list[str]) -> None:
        a = self.attrs
        out.append("<" + self.name + "".join(f' {a[i]}="{_attr_text(a[i + 1])}"' for i in range(0, len(a), 2)))
        if not self.children:
            out.append("/>")
            return
        out.append(">")
        for c in self.children:
            if type(c) is _El:
                c.write(out)
            elif type(c) is str:
                out.append(_escape_text(c))
            else:  # a processing instruction, kept as it was
                out.append(c[0])
        out.append("</" + self.name + ">")


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _attr_text(text: str) -> str:
    return (_escape_text(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;"))


def _parse_comments(data: bytes) -> _El:
    """The comments part as a tree of ``_El`` (expat, no namespace processing: names stay as written)."""
    from workbook.opc import expat_parser, parse_root

    p = expat_parser("批注")
    p.buffer_text = True
    p.ordered_attributes = True
    root: list[_El] = []
    stack: list[_El] = []

    def start(name, attrs):
        el = _El(name, attrs, stack[-1] if stack else None)
        if stack:
            stack[-1].children.append(el)
        else:
            root.append(el)
        stack.append(el)

    def end(name):
        stack.pop()

    def chars(text):
        if stack:
            kids = stack[-1].children
            if kids and type(kids[-1]) is str:
                kids[-1] += text
            else:
                kids.append(text)

    def pi(target, data):
        if stack:
            stack[-1].children.append((f"<?{target} {data}?>",))

    p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = start, end, chars
    p.ProcessingInstructionHandler = pi
    return parse_root(p, data, "批注", root, "批注 XML 是空的")


class Comments:
    """The comments of one sheet (``xl/commentsN.xml``), edited in place: every element, attribute and
    text the tool does not touch is written back as it was (re-serialised, not byte for byte)."""

    def __init__(self, data: Optional[bytes]) -> None:
        data = data or COMMENTS_EMPTY
        if b"<!" in data:  # no DTD, no entity declarations, no CDATA tricks: Excel never writes them here
            raise PackageError("批注 XML 含有标记声明，为安全起见不予处理")
        self.root = _parse_comments(data)
        name = self.root.name
        self.prefix = name[: len(name) - len(self.root.local)]  # "" or "x:"
        self.changed = False
        self._by_ref: Optional[dict[str, _El]] = None

    def _child(self, parent: _El, local: str, create: bool = False) -> Optional[_El]:
        el = parent.first(local)
        if el is None and create:
            el = parent.append(_El(self.prefix + local))
        return el

    def authors(self) -> list[str]:
        box = self.root.first("authors")
        return [a.text() for a in box.elements("author")] if box is not None else []

    def _comments(self) -> list[_El]:
        lst = self.root.first("commentList")
        return lst.elements("comment") if lst is not None else []

    def refs(self) -> list[str]:
        return [c.get("ref") for c in self._comments()]

    def _t_nodes(self, comment: _El) -> list[_El]:
        text = comment.first("text")
        if text is None:
            return []
        out = []
        for el in text.elements():
            if el.local == "t":
                out.append(el)
            elif el.local == "r":
                t = el.first("t")
                if t is not None:
                    out.append(t)
        return out

    @staticmethod
    def _data(t: _El) -> str:
        return t.text()

    @staticmethod
    def _set(t: _El, value: str) -> None:
        value = escape_forbidden(value)  # as Excel writes them
        t.set_text(value)
        if value != value.strip() or "\n" in value:
            t.set("xml:space", "preserve")

    def text(self, ref: str) -> Optional[str]:
        c = self._find(ref)
        return None if c is None else "".join(self._data(t) for t in self._t_nodes(c))

    def _find(self, ref: str) -> Optional[_El]:
        if self._by_ref is None:
            self._by_ref = {}
            for c in self._comments():
                self._by_ref.setdefault(_norm(c.get("ref")), c)
        return self._by_ref.get(_norm(ref))

    def _author_of(self, comment: _El, authors: list[str]) -> str:
        try:
            return authors[int(comment.get("authorId") or 0)]
        except (ValueError, IndexError):
            return ""

    def strip_tool_blocks(self) -> list[str]:
        """Remove the tool's block from every note (keeping the user's text and its formatting);
        a note left empty is deleted. Returns the refs of the deleted notes."""
        deleted = []
        authors = self.authors()
        for c in self._comments():
            nodes = self._t_nodes(c)
            full = "".join(self._data(t) for t in nodes)
            by_tool = self._author_of(c, authors) == AUTHOR
            if not (by_tool or NOTE_MARK in full or OLD_MARK in full):
                continue
            mask = delete_mask(full, by_tool)
            if not any(mask):
                continue
            self.changed = True
            if all(mask):
                c.parent.remove(c)
                self._by_ref = None
                deleted.append(c.get("ref"))
                continue
            pos = 0
            for t in nodes:
                s = self._data(t)
                kept = "".join(ch for ch, m in zip(s, mask[pos:pos + len(s)]) if not m)
                pos += len(s)
                if kept == s:
                    continue
                if kept:
                    self._set(t, kept)
                elif t.parent.local == "r":
                    t.parent.parent.remove(t.parent)
                else:
                    self._set(t, "")
        return deleted

    def add_block(self, ref: str, block: str) -> bool:
        """Append ``block`` to the note on ``ref`` (a new note under the tool's name when there is none).
        Returns True when a new note was created."""
        self.changed = True
        c = self._find(ref)
        if c is not None:
            nodes = self._t_nodes(c)
            text_el = self._child(c, "text", create=True)
            if not nodes or nodes[-1].parent is text_el:
                t = nodes[-1] if nodes else self._child(text_el, "t", create=True)
                self._set(t, with_tool_block(self._data(t), block))
                return False
            last = nodes[-1].parent
            run = last.copy(text_el)  # same font as the user's last run
            self._set(run.first("t"), "\n" + block)
            kids = text_el.children
            kids.insert(kids.index(last) + 1, run)
            return False
        authors = self.authors()
        if AUTHOR in authors:
            aid = authors.index(AUTHOR)
        else:
            box = self.root.first("authors")
            if box is None:
                box = _El(self.prefix + "authors", None, self.root)
                self.root.children.insert(0, box)
            box.append(_El(self.prefix + "author")).set_text(AUTHOR)
            aid = len(authors)
        lst = self._child(self.root, "commentList", create=True)
        c = lst.append(_El(self.prefix + "comment", ["ref", ref, "authorId", str(aid)]))
        t = c.append(_El(self.prefix + "text")).append(_El(self.prefix + "t"))
        self._set(t, block)
        if self._by_ref is not None:
            self._by_ref.setdefault(_norm(ref), c)
        return True

    def empty(self) -> bool:
        return not self._comments()

    def xml(self) -> bytes:
        out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n']
        self.root.write(out)
        return "".join(out).encode("utf-8")


def _norm(ref: str) -> str:
    return ref.replace("$", "").upper().split(":")[0]


# ---- the VML drawing ------------------------------------------------------------------------
# Prefixes differ between writers (Excel: v/o/x; ElementTree-based writers: ns0/ns1/ns2), so every
# function here first finds the prefixes the drawing binds to the three namespaces.

NS_V = "urn:schemas-microsoft-com:vml"
NS_O = "urn:schemas-microsoft-com:office:office"
NS_X = "urn:schemas-microsoft-com:office:excel"
VML_EMPTY = (
    f'<xml xmlns:v="{NS_V}" xmlns:o="{NS_O}" xmlns:x="{NS_X}">'
    '<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="1"/></o:shapelayout>'
    "</xml>"
)
_XMLNS = compiled(r"""xmlns:([\w.-]+)\s*=\s*["']([^"']*)["']""")
_SHAPE_ID = compiled(r"_x0000_s(\d+)")


def vml_text(data: bytes) -> str:
    return data.decode("utf-8", errors="surrogateescape")


def vml_bytes(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogateescape")


_FIRST_TAG = compiled(r"<(?![?!])[\w:.-]+\b[^>]*>")


def _prefixes(text: str) -> tuple[str, dict[str, str]]:
    """(text, {"v": prefix, "o": prefix, "x": prefix}); missing declarations are added to the root tag."""
    m = _FIRST_TAG.search(text)
    if m is None:
        raise ValueError("not a VML drawing")
    root = m.group(0)
    declared = {uri: prefix for prefix, uri in _XMLNS.findall(root)}
    out: dict[str, str] = {}
    added = ""
    for key, uri in (("v", NS_V), ("o", NS_O), ("x", NS_X)):
        if uri in declared:
            out[key] = declared[uri]
            continue
        prefix = key
        n = 0
        while re.search(rf"xmlns:{prefix}\s*=", root + added):
            n += 1
            prefix = f"{key}{n}"
        added += f' xmlns:{prefix}="{uri}"'
        out[key] = prefix
    if added:
        end = len(root) - (2 if root.endswith("/>") else 1)
        text = text[: m.start()] + root[:end] + added + root[end:] + text[m.end():]
    return text, out


def _shape_re(p: dict[str, str]) -> re.Pattern:
    v = re.escape(p["v"])
    return compiled(rf"<{v}:shape\b(?:(?!<{v}:shapetype).)*?</{v}:shape>", re.S)


def _cell_of(shape: str, p: dict[str, str]) -> Optional[tuple[int, int]]:
    x = re.escape(p["x"])
    r = re.search(rf"<{x}:Row>\s*(\d+)\s*</{x}:Row>", shape)
    c = re.search(rf"<{x}:Column>\s*(\d+)\s*</{x}:Column>", shape)
    if 'ObjectType="Note"' not in shape or not (r and c):
        return None
    return int(r.group(1)) + 1, int(c.group(1)) + 1


def vml_remove_notes(text: str, refs: set[tuple[int, int]]) -> str:
    """Remove the note shapes anchored on the (row, col) cells ``refs``."""
    if not refs:
        return text
    text, p = _prefixes(text)
    return _shape_re(p).sub(lambda m: "" if _cell_of(m.group(0), p) in refs else m.group(0), text)


def vml_note_cells(text: str) -> set[tuple[int, int]]:
    text, p = _prefixes(text)
    return {rc for m in _shape_re(p).finditer(text) if (rc := _cell_of(m.group(0), p))}


def vml_add_notes(text: str, cells: list[str], lines: dict[str, int], base: Optional[int] = None) -> str:
    """Add a (hidden, Excel-style) note shape for each cell in ``cells``; shape ids continue after the
    drawing's highest (from ``base`` + 1, its o:idmap block, in a new drawing)."""
    if not cells:
        return text
    text, p = _prefixes(text)
    v, o, x = p["v"], p["o"], p["x"]
    if 'id="_x0000_t202"' not in text:
        text = _insert_before_end(text, (
            f'<{v}:shapetype id="_x0000_t202" coordsize="21600,21600" {o}:spt="202" path="m,l,21600r21600,l21600,xe">'
            f'<{v}:stroke joinstyle="miter"/><{v}:path gradientshapeok="t" {o}:connecttype="rect"/></{v}:shapetype>'))
    ids = [int(n) for n in _SHAPE_ID.findall(text)]
    if base is None:
        m = _idmap_re(re.escape(o)).search(text)
        base = int(m.group(1)) * 1024 if m else 1024
    next_id = max([base] + ids) + 1
    shapes = []
    for ref in cells:
        row, col = parse_a1(ref)
        height = min(40 + 14 * lines.get(ref, 2), 400)
        shapes.append(
            f'<{v}:shape id="_x0000_s{next_id}" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;'
            f'margin-top:1.5pt;width:240pt;height:{height}pt;z-index:{next_id - base};visibility:hidden" '
            f'fillcolor="#ffffe1" {o}:insetmode="auto"><{v}:fill color2="#ffffe1"/>'
            f'<{v}:shadow on="t" color="black" obscured="t"/><{v}:path {o}:connecttype="none"/>'
            f'<{v}:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></{v}:textbox>'
            f'<{x}:ClientData ObjectType="Note"><{x}:MoveWithCells/><{x}:SizeWithCells/>'
            f"<{x}:Anchor>{col}, 15, {max(row - 2, 0)}, 10, {col + 3}, 15, {row + 3}, 4</{x}:Anchor>"
            f"<{x}:AutoFill>False</{x}:AutoFill><{x}:Row>{row - 1}</{x}:Row><{x}:Column>{col - 1}</{x}:Column>"
            f"</{x}:ClientData></{v}:shape>"
        )
        next_id += 1
    return _insert_before_end(text, "".join(shapes))


def _insert_before_end(text: str, piece: str) -> str:
    end = text.rfind("</")
    if end < 0:
        raise ValueError("not a VML drawing")
    return text[:end] + piece + text[end:]


def vml_has_shapes(text: str) -> bool:
    """Does the drawing still hold any shape (a note, a button ...) besides shape types?"""
    text, p = _prefixes(text)
    v = re.escape(p["v"])
    rest = _shapetype_re(v).sub("", text)
    return _element_re(v).search(rest) is not None


# The VML patterns per namespace prefix (escaped), from the pattern cache: Excel writes the prefixes
# v and o, openpyxl's drawings come as ns1 and ns0 (ElementTree's names).
def _idmap_re(o: str) -> re.Pattern:
    return compiled(rf'<{o}:idmap\b[^>]*\bdata="(\d+)')


def _shapetype_re(v: str) -> re.Pattern:
    return compiled(rf"<{v}:shapetype\b.*?</{v}:shapetype>", re.S)


def _element_re(v: str) -> re.Pattern:
    return compiled(rf"<{v}:\w")


def _warm_patterns() -> None:
    """``python -m scoring.lazy`` caches the VML patterns of the usual prefixes."""
    for v, o in (("v", "o"), ("ns1", "ns0")):
        _idmap_re(o), _shapetype_re(v), _element_re(v)
