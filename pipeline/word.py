"""The appendix as a Word document for the committee paper, made from the appendix HTML.

Council committee reports are written in Word and published from it (ModernGov), so the
appendix also comes as ``appendix.docx``. It is built from the finished appendix HTML
(``document.build_html``), so it says exactly what the HTML and the PDF say, in the same order:
the title block, every heading (as Word's Heading 1, 2, ... styles), paragraph, list, table and
chart, with their captions, notes and sources. Tables are real Word tables (a header row marked
to repeat on every page, no merged cells, captions above as Word captions); charts are the
PNG copies the report made of them, each with its alt text. The footer numbers the pages; there
is no running header, which would clash with the one the committee system adds.

Styles come from python-docx's own template, set in the report's font, or from a council's
reference document (``docx_template``), whose styles are used as they are. The document is
byte-for-byte reproducible: fixed zip timestamps and core-property dates
(``publish.normalise_ooxml``).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor, Twips

from pipeline import publish
from pipeline.present import SHORT_TABLE_ROWS

__all__ = ["build_docx", "docx_font"]

#: A4, portrait: 21.0 by 29.7 cm, with 2 cm margins (the PDF's are 18 mm; Word users expect
#: a little more).
PAGE_WIDTH, PAGE_HEIGHT, MARGIN = Cm(21.0), Cm(29.7), Cm(2.0)
#: The widest and tallest a chart is shown (8 by 4.5 inch charts at 16 cm wide are 9 cm
#: tall; a taller chart is narrowed so that it leaves room on its page for its words).
CHART_WIDTH, CHART_HEIGHT = Cm(16.0), Cm(10.5)
#: Table text, in points: the body of a table, and of one with many columns.
TABLE_PT, WIDE_TABLE_PT = 9.0, 8.0
#: A table split over pages has at least this many rows on each side of the break.
ROWS_AT_A_BREAK = 3
#: Tables with more columns than this are set in WIDE_TABLE_PT.
WIDE_TABLE_COLUMNS = 6

TEXT = RGBColor(0x0B, 0x0C, 0x0C)
SECONDARY = RGBColor(0x50, 0x5A, 0x5F)

#: Styles this module writes with, made when a council's reference document lacks them.
NOTE_STYLE = "Appendix Note"
TABLE_TEXT_STYLE = "Appendix Table Text"
SUBTITLE_STYLE = "Subtitle"
CAPTION_STYLE = "Caption"

#: Word names the font a metric-compatible free font stands in for, so that Word, which seldom
#: has Liberation Sans, sets the text in the font it was measured for (LibreOffice shows
#: Liberation Sans for Arial by its own replacement table).
_WORD_FONT = {
    "liberation sans": "Arial",
    "arimo": "Arial",
    "liberation serif": "Times New Roman",
    "tinos": "Times New Roman",
    "liberation sans narrow": "Arial Narrow",
}

_HEADING = re.compile(r"h([1-6])")
_SPACE = re.compile(r"\s+")


def docx_font(font: str) -> str:
    """The font a Word document names for a report set in ``font``.

    >>> docx_font("Liberation Sans"), docx_font("Verdana")
    ('Arial', 'Verdana')
    """
    return _WORD_FONT.get(font.lower(), font)


@dataclass(frozen=True)
class Properties:
    """What the Word document says about itself (File > Info)."""

    title: str
    subject: str = ""
    author: str = ""
    language: str = "en-GB"
    created: dt.datetime | None = None
    #: What every page's footer says before its number (``Decision 25/00065 | Unrestricted``),
    #: as the PDF's footer and header do: a page printed alone still carries its marking.
    marking: str = ""


def build_docx(
    html: str,
    *,
    images: Mapping[str, bytes],
    properties: Properties,
    font: str = "Liberation Sans",
    template: Path | None = None,
) -> bytes:
    """The appendix HTML as a Word document.

    Parameters
    ----------
    html : str
        The finished appendix (``document.build_html``).
    images : mapping of str to bytes
        The PNG of each chart by its numbered title (``Chart 3: ...``, as its caption reads):
        the HTML shows charts as SVG, which Word documents cannot rely on.
    properties : Properties
        Title, subject, author, language and date of the document.
    font : str
        The report's typeface (``docx_font`` gives the name Word is told).
    template : Path, optional
        A council's reference document: its styles, page size and margins are used, its body
        text is dropped.

    Raises
    ------
    ValueError
        When a chart in the HTML has no PNG copy in ``images`` (nor a PNG of its own).
    """
    writer = _Writer(images, font=docx_font(font), template=template)
    soup = BeautifulSoup(html, "html.parser")
    header = soup.find("header")
    if header is not None:
        writer.blocks(header)
    main = soup.find("main") or soup.find("body") or soup
    writer.blocks(main)
    writer.finish(properties)
    buffer = io.BytesIO()
    writer.doc.save(buffer)
    return publish.normalise_ooxml(buffer.getvalue(), when=properties.created)


class _Writer:
    """Walks the appendix HTML in document order and writes each block into the document."""

    def __init__(self, images: Mapping[str, bytes], *, font: str, template: Path | None) -> None:
        self.images = images
        self.doc = Document(str(template)) if template else Document()
        self.templated = template is not None
        if template:
            _clear_body(self.doc)
        else:
            _page_setup(self.doc.sections[0])
            _house_styles(self.doc, font)
        _ensure_styles(self.doc)
        self.table_count = 0
        self.chart_count = 0
        #: a landscape page for a wide table is left at the next heading, chart or table
        self._pending_portrait = False

    # ---- walking the HTML

    def blocks(self, element: Tag) -> None:
        loose: list[NavigableString | Tag] = []
        for child in element.children:
            if isinstance(child, NavigableString):
                if str(child).strip() and child.__class__ is NavigableString:
                    loose.append(child)
                continue
            if not isinstance(child, Tag):
                continue
            if _is_inline(child):
                loose.append(child)
                continue
            if loose:
                self.paragraph(loose)
                loose = []
            self.block(child)
        if loose:
            self.paragraph(loose)

    def block(self, tag: Tag) -> None:
        name = tag.name.lower()
        classes = set(tag.get("class") or [])
        heading = _HEADING.fullmatch(name)
        if heading:
            self._back_to_portrait()
            self.heading(tag, int(heading.group(1)))
        elif name == "p":
            if "generated-note" in classes and self.doc.paragraphs:
                # the closing line never stands alone on the last page
                self.doc.paragraphs[-1].paragraph_format.keep_with_next = True
            self.paragraph(tag.contents, style=self._paragraph_style(classes))
        elif name in ("ul", "ol"):
            self.listing(tag, level=1)
        elif name == "table":
            self.table(tag)
        elif name == "figure":
            self.figure(tag)
        elif name == "img":
            self.picture(tag.get("src", ""), tag.get("alt") or "", title="")
        elif name == "svg":
            raise ValueError(
                "the appendix shows an SVG image that has no PNG copy, which a Word document "
                "needs: show charts through the report kernel (ReportKernel._figure)"
            )
        elif name == "dl":
            self.definitions(tag)
        elif name in ("pre", "blockquote", "address"):
            self.paragraph(tag.contents)
        elif name in ("hr", "br", "style", "script", "template", "title", "meta"):
            return
        else:  # section, div, main and any other container: its blocks in order
            self.blocks(tag)

    @staticmethod
    def _paragraph_style(classes: set[str]) -> str | None:
        if classes & {"table-note", "chart-source", "generated-note"}:
            return NOTE_STYLE
        if "subtitle" in classes:
            return SUBTITLE_STYLE
        return None

    # ---- text

    def heading(self, tag: Tag, level: int) -> None:
        text = _text(tag)
        if text:
            self.doc.add_paragraph(text, style=f"Heading {min(level, 9)}")

    def paragraph(self, nodes: Iterable[object], *, style: str | None = None):
        runs = list(_runs(nodes))
        if not any(text.strip() for text, _, _ in runs):
            return None
        paragraph = self.doc.add_paragraph(style=style)
        _write_runs(paragraph, runs)
        return paragraph

    def listing(self, tag: Tag, *, level: int) -> None:
        numbered = tag.name.lower() == "ol"
        base = "List Number" if numbered else "List Bullet"
        style = base if level == 1 else f"{base} {min(level, 3)}"
        for item in tag.find_all("li", recursive=False):
            inline = [
                c for c in item.contents if not (isinstance(c, Tag) and c.name in ("ul", "ol"))
            ]
            self.paragraph(inline, style=style)
            for sub in item.find_all(["ul", "ol"], recursive=False):
                self.listing(sub, level=level + 1)

    def definitions(self, tag: Tag) -> None:
        """A definition list (the title block's decision number, committee, ...) as one line
        per term, the term in bold: a layout table would be read out as data."""
        for term in tag.find_all("dt"):
            value = term.find_next_sibling("dd")
            paragraph = self.doc.add_paragraph()
            paragraph.paragraph_format.space_after = Pt(2)
            paragraph.add_run(f"{_text(term)}: ").bold = True
            if value is not None:
                _write_runs(paragraph, list(_runs(value.contents)))

    # ---- tables

    def table(self, tag: Tag) -> None:
        self.table_count += 1
        caption = tag.find("caption")
        rows = [
            (tr, [cell for cell in tr.find_all(["th", "td"], recursive=False)])
            for tr in tag.find_all("tr")
            if tr.find_parent("table") is tag
        ]
        rows = [(tr, cells) for tr, cells in rows if cells]
        if not rows:
            return
        header_rows = [tr for tr, _ in rows if tr.find_parent("thead") is not None] or [rows[0][0]]
        headers = {id(tr) for tr in header_rows}
        width = max(len(cells) for _, cells in rows)
        texts = [[_text(cell) for cell in cells] + [""] * (width - len(cells)) for _, cells in rows]
        numeric = [
            any(
                "num" in (cells[c].get("class") or [])
                for tr, cells in rows
                if c < len(cells) and id(tr) not in headers
            )
            for c in range(width)
        ]
        size = WIDE_TABLE_PT if width > WIDE_TABLE_COLUMNS else TABLE_PT
        preferred, least = _column_widths(texts, len(header_rows), size, numeric)
        # Word keeps widths in twips: leave room for each column's rounding
        slack = int(Twips(1)) * width
        widths = _fit(preferred, least, self._text_width(self.doc.sections[0]) - slack)
        if widths is None and not self.templated:
            # too wide for a portrait page even with its text wrapped: a landscape page
            self._turn(WD_ORIENT.LANDSCAPE)
            widths = _fit(preferred, least, self._text_width() - slack)
            landscape = True
        else:
            landscape = False
            self._back_to_portrait()
        if widths is None:  # wider than any page: shrink, and let the words break
            scale = (self._text_width() - slack) / sum(least)
            widths = [int(w * scale) for w in least]
        if caption is not None and _text(caption):
            self.caption(_text(caption), "Table", self.table_count)
        table = self.doc.add_table(rows=len(rows), cols=width)
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        table.autofit = False
        short = len(rows) - len(header_rows) <= SHORT_TABLE_ROWS
        # the first note under a table (its wrapper's paragraphs) goes to the next page with
        # it; chaining every note to the next makes LibreOffice move the whole table on
        notes = [p for p in tag.find_next_siblings("p") if "table-note" in (p.get("class") or [])]
        for index, ((tr, cells), row_texts) in enumerate(zip(rows, texts, strict=True)):
            row = table.rows[index]
            is_header = id(tr) in headers
            is_total = "total" in (tr.get("class") or [])
            _row_properties(row, header=is_header)
            next_total = index + 1 < len(rows) and "total" in (
                rows[index + 1][0].get("class") or []
            )
            # a short table stays on one page; a long one breaks with at least its first and
            # its last ROWS_AT_A_BREAK rows together (so a total row never starts a page with
            # one row or none); the last row goes with the table's first note
            last = index == len(rows) - 1
            edge = index < len(header_rows) + ROWS_AT_A_BREAK - 1 or (
                index >= len(rows) - ROWS_AT_A_BREAK
            )
            keep = bool(notes) if last else bool(short or is_header or edge or next_total)
            for column, text in enumerate(row_texts):
                cell = row.cells[column]
                cell.width = widths[column]
                paragraph = cell.paragraphs[0]
                paragraph.style = self.doc.styles[TABLE_TEXT_STYLE]
                source = cells[column] if column < len(cells) else None
                numeric = source is not None and "num" in (source.get("class") or [])
                if numeric:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                paragraph.paragraph_format.keep_with_next = keep
                run = paragraph.add_run(text)
                run.font.size = Pt(size)
                if is_header or is_total:
                    run.bold = True
        for column, column_width in enumerate(widths):
            table.columns[column].width = column_width
        _table_properties(table)
        if landscape:
            self._pending_portrait = True

    def caption(self, text: str, label: str, number: int) -> None:
        """A Word caption: ``Table 3: ...`` with its number as a SEQ field (what Insert
        Caption makes, so Word can list and cross-reference them) when it matches the count."""
        paragraph = self.doc.add_paragraph(style=CAPTION_STYLE)
        paragraph.paragraph_format.keep_with_next = True
        match = re.fullmatch(rf"{label} (\d+)(:.*)", text, re.DOTALL)
        if match and int(match.group(1)) == number:
            paragraph.add_run(f"{label} ")
            _field(paragraph, f" SEQ {label} \\* ARABIC ", match.group(1))
            paragraph.add_run(match.group(2))
        else:
            paragraph.add_run(text)

    # ---- charts

    def figure(self, tag: Tag) -> None:
        self._back_to_portrait()
        self.chart_count += 1
        title_tag = tag.find(class_="chart-title")
        subtitle_tag = tag.find(class_="chart-subtitle")
        title = _text(title_tag) if title_tag is not None else ""
        if title:
            self.caption(title, "Chart", self.chart_count)
        subtitle = None
        if subtitle_tag is not None and _text(subtitle_tag):
            # the subtitle shares the image's paragraph: LibreOffice does not carry a caption,
            # a subtitle and an image over to the next page together as three paragraphs
            subtitle = self.doc.add_paragraph(_text(subtitle_tag), style=NOTE_STYLE)
            subtitle.runs[-1].add_break()
        for img in tag.find_all("img"):
            self.picture(img.get("src", ""), img.get("alt") or "", title=title, into=subtitle)
            subtitle = None
        for child in tag.children:
            if isinstance(child, Tag) and child.name not in ("figcaption", "img"):
                self.block(child)

    def picture(self, src: str, alt: str, *, title: str, into=None) -> None:
        png = self.images.get(title) if title else None
        if png is None and src.startswith("data:image/png;base64,"):
            png = base64.b64decode(src.partition(",")[2])
        if png is None:
            raise ValueError(
                f"{title or 'an image'}: no PNG copy of the chart for the Word document (the "
                "report's charts output lists none under this title)"
            )
        paragraph = into if into is not None else self.doc.add_paragraph()
        paragraph.paragraph_format.keep_with_next = True
        paragraph.paragraph_format.line_spacing = 1.0
        width = min(CHART_WIDTH, self._text_width())
        pixels_wide, pixels_high = _png_size(png)
        if pixels_wide and width * pixels_high / pixels_wide > CHART_HEIGHT:
            width = int(CHART_HEIGHT * pixels_wide / pixels_high)
        shape = paragraph.add_run().add_picture(io.BytesIO(png), width=width)
        name = title.partition(":")[0] or f"Image {self.chart_count}"
        doc_pr = shape._inline.docPr
        doc_pr.set("name", name)
        doc_pr.set("descr", " ".join(alt.split()))
        for c_nv_pr in shape._inline.xpath(".//pic:cNvPr"):
            c_nv_pr.set("name", f"{name}.png")
            c_nv_pr.set("descr", " ".join(alt.split()))

    # ---- pages

    def _text_width(self, section=None) -> int:
        section = section or self.doc.sections[-1]
        return int(section.page_width - section.left_margin - section.right_margin)

    def _turn(self, orientation: WD_ORIENT) -> None:
        """Start a new section (on a new page) in ``orientation``, unless the document is
        still empty or already so."""
        section = self.doc.sections[-1]
        if section.orientation == orientation:
            return
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        short, long = sorted((section.page_width, section.page_height))
        section.orientation = orientation
        if orientation == WD_ORIENT.LANDSCAPE:
            section.page_width, section.page_height = long, short
        else:
            section.page_width, section.page_height = short, long

    def _back_to_portrait(self) -> None:
        if self._pending_portrait:
            self._pending_portrait = False
            self._turn(WD_ORIENT.PORTRAIT)

    def finish(self, properties: Properties) -> None:
        for number, section in enumerate(self.doc.sections):
            _page_footer(section, first=number == 0, marking=properties.marking)
        core = self.doc.core_properties
        core.title = properties.title
        core.subject = properties.subject
        core.author = properties.author
        core.last_modified_by = properties.author
        core.language = properties.language
        core.comments = ""
        core.keywords = ""
        core.category = ""
        core.revision = 1
        when = properties.created or dt.datetime(2000, 1, 1)
        core.created = when
        core.modified = when
        _set_language(self.doc, properties.language)


# --------------------------------------------------------------------------- text runs

_INLINE = frozenset(
    {"a", "abbr", "b", "strong", "i", "em", "span", "code", "small", "sub", "sup", "time",
     "mark", "q", "cite", "dfn", "kbd", "samp", "var", "u", "s", "br", "data"}
)  # fmt: skip


def _is_inline(tag: Tag) -> bool:
    return tag.name.lower() in _INLINE


def _runs(nodes: Iterable[object], bold: bool = False, italic: bool = False):
    """(text, bold, italic) for the text of inline HTML, whitespace collapsed as a browser
    does."""
    for node in nodes:
        if isinstance(node, NavigableString):
            if node.__class__ is not NavigableString:
                continue  # comments, doctypes, CDATA
            yield _SPACE.sub(" ", str(node)), bold, italic
        elif isinstance(node, Tag):
            name = node.name.lower()
            if name == "br":
                yield "\n", bold, italic
                continue
            if name in ("style", "script", "svg", "img"):
                continue
            inner_bold = bold or name in ("b", "strong")
            inner_italic = italic or name in ("i", "em", "cite", "dfn")
            yield from _runs(node.contents, inner_bold, inner_italic)
            href = str(node.get("href") or "") if name == "a" else ""
            if href.startswith(("http://", "https://")) and href not in node.get_text():
                yield f" ({href})", bold, italic


def _write_runs(paragraph, runs: list[tuple[str, bool, bool]]) -> None:
    merged: list[list] = []
    for text, bold, italic in runs:
        if merged and merged[-1][1:] == [bold, italic]:
            merged[-1][0] += text
        else:
            merged.append([text, bold, italic])
    # collapse the spaces between runs, and trim the paragraph's ends
    previous_space = True
    for item in merged:
        if previous_space:
            item[0] = item[0].lstrip(" ")
        if item[0]:
            previous_space = item[0].endswith((" ", "\n"))
    if merged:
        merged[-1][0] = merged[-1][0].rstrip()
    for text, bold, italic in merged:
        if not text:
            continue
        lines = text.split("\n")
        run = paragraph.add_run(lines[0].strip() if len(lines) > 1 else lines[0])
        for line in lines[1:]:
            run.add_break()
            run.add_text(line.strip())
        run.bold = bold or None
        run.italic = italic or None


def _png_size(png: bytes) -> tuple[int, int]:
    """A PNG's width and height in pixels (0, 0 when it has no IHDR where PNGs have it)."""
    if png[12:16] != b"IHDR":
        return 0, 0
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _text(tag: Tag) -> str:
    return _SPACE.sub(" ", tag.get_text(" ")).strip()


def _field(paragraph, instruction: str, shown: str) -> None:
    """A field (PAGE, NUMPAGES, SEQ ...) with the result Word shows until it updates it."""

    def char(kind: str):
        run = paragraph.add_run()
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._r.append(element)
        return run

    char("begin")
    run = paragraph.add_run()
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = instruction
    run._r.append(code)
    char("separate")
    paragraph.add_run(shown)
    char("end")


# --------------------------------------------------------------------------- tables


#: Advance widths of Arial (and Liberation Sans, metric-compatible) in em, by kind of
#: character: enough to size a column without reading the font.
_EM = {"upper": 0.70, "lower": 0.53, "digit": 0.556, "space": 0.278, "narrow": 0.28}
_NARROW = set(".,:;'|!()[]/-ijlft ")
_WIDE = {"%": 0.89, "£": 0.556, "m": 0.833, "w": 0.72, "M": 0.833, "W": 0.944, "&": 0.667}


def _text_em(text: str, *, bold: bool = False) -> float:
    """The width of ``text`` in em, set in Arial (bold a little wider).

    >>> round(_text_em("45%"), 2), round(_text_em("SEMH", bold=True), 2)
    (2.0, 3.14)
    """
    width = 0.0
    for ch in text:
        if ch in _WIDE:
            width += _WIDE[ch]
        elif ch in _NARROW:
            width += _EM["narrow"]
        elif ch.isdigit():
            width += _EM["digit"]
        elif ch.isupper():
            width += _EM["upper"]
        else:
            width += _EM["lower"]
    return width * (1.07 if bold else 1.0)


#: Left and right cell margins of a table (Word's 0.19 cm each) and a little air, in points.
_CELL_MARGINS = 13.0


def _column_widths(
    rows: list[list[str]], header_rows: int, size: float, numeric: list[bool]
) -> tuple[list[int], list[int]]:
    """Each column's preferred and least width (EMU) in text of ``size`` points.

    Preferred: its longest cell on one line (a long header wraps between words). Least: its
    longest word, or the whole cell for a number (numbers never wrap).
    """
    preferred, least = [], []
    for column in range(len(rows[0])):
        body = [row[column] for row in rows[header_rows:]]
        head = [row[column] for row in rows[:header_rows]]
        head_word = max((_text_em(w, bold=True) for t in head for w in t.split()), default=0)
        head_line = max((_text_em(t, bold=True) for t in head), default=0)
        body_line = max((_text_em(t) for t in body), default=0)
        body_word = max((_text_em(w) for t in body for w in t.split()), default=0)
        if numeric[column]:
            body_word = body_line
        wide = max(head_word, min(head_line, 8.0), body_line, 1.5) * size + _CELL_MARGINS
        narrow = max(head_word, body_word, 1.5) * size + _CELL_MARGINS
        preferred.append(int(Pt(wide)))
        least.append(int(Pt(narrow)))
    return preferred, least


def _fit(preferred: list[int], least: list[int], available: int) -> list[int] | None:
    """Column widths that fit ``available``: preferred when they fit, else each column
    between its least and preferred width in proportion; None when even the least do not."""
    if sum(preferred) <= available:
        return preferred
    if sum(least) > available:
        return None
    share = (available - sum(least)) / (sum(preferred) - sum(least))
    return [int(lo + (hi - lo) * share) for hi, lo in zip(preferred, least, strict=True)]


def _row_properties(row, *, header: bool) -> None:
    properties = row._tr.get_or_add_trPr()
    cant_split = OxmlElement("w:cantSplit")
    properties.append(cant_split)
    if header:
        repeat = OxmlElement("w:tblHeader")
        properties.append(repeat)


def _table_properties(table) -> None:
    """The table's look: the header row shaded and set apart; a look Word's accessibility
    check reads as a header row."""
    properties = table._tbl.tblPr
    look = properties.find(qn("w:tblLook"))
    if look is None:
        look = OxmlElement("w:tblLook")
        properties.append(look)
    for key, value in (("firstRow", "1"), ("lastRow", "0"), ("firstColumn", "1"),
                       ("lastColumn", "0"), ("noHBand", "1"), ("noVBand", "1"),
                       ("val", "04A0")):  # fmt: skip
        look.set(qn(f"w:{key}"), value)
    for row in table.rows:
        if row._tr.trPr is None or row._tr.trPr.find(qn("w:tblHeader")) is None:
            continue
        for cell in row.cells:
            shading = OxmlElement("w:shd")
            shading.set(qn("w:val"), "clear")
            shading.set(qn("w:color"), "auto")
            shading.set(qn("w:fill"), "E8EAEB")
            cell._tc.get_or_add_tcPr().append(shading)


# --------------------------------------------------------------------------- document set-up


def _clear_body(doc) -> None:
    """Drop a reference document's own text, keeping its last section's page settings."""
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)


def _page_setup(section) -> None:
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, MARGIN)
    section.header_distance = section.footer_distance = Cm(1.0)


def _page_footer(section, *, first: bool, marking: str = "") -> None:
    """The marking and page numbers in the footer; no header (the committee system adds its
    own). Later sections take the first one's footer."""
    section.different_first_page_header_footer = False
    for header in (section.header, section.first_page_header, section.even_page_header):
        header.is_linked_to_previous = True
    footer = section.footer
    if not first:
        footer.is_linked_to_previous = True
        return
    footer.is_linked_to_previous = False
    for paragraph in footer.paragraphs[1:]:
        paragraph._p.getparent().remove(paragraph._p)
    paragraph = footer.paragraphs[0]
    for run in list(paragraph.runs):
        run._r.getparent().remove(run._r)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if marking:
        paragraph.add_run(f"{marking} | ")
    paragraph.add_run("Page ")
    _field(paragraph, " PAGE ", "1")
    paragraph.add_run(" of ")
    _field(paragraph, " NUMPAGES ", "1")
    for run in paragraph.runs:
        run.font.size = Pt(9)


def _fonts(element, font: str) -> None:
    """Name ``font`` in an rPr for every script, dropping theme fonts (which would win)."""
    fonts = element.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        element.insert(0, fonts)
    for key in list(fonts.attrib):
        if key.lower().endswith("theme"):
            del fonts.attrib[key]
    for key in ("ascii", "hAnsi", "cs", "eastAsia"):
        fonts.set(qn(f"w:{key}"), font)


def _house_styles(doc, font: str) -> None:
    """python-docx's template restyled: the report's font everywhere, GOV.UK-like headings
    in black, sizes that read well in print."""
    styles = doc.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        run_default = defaults.find(qn("w:rPrDefault"))
        if run_default is not None and run_default.find(qn("w:rPr")) is not None:
            _fonts(run_default.find(qn("w:rPr")), font)
    for fonts in list(styles.element.iter(qn("w:rFonts"))):
        _fonts(fonts.getparent(), font)
    normal = styles["Normal"]
    normal.font.name = font
    normal.font.size = Pt(11)
    normal.font.color.rgb = TEXT
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    for level, size in ((1, 20), (2, 15), (3, 13), (4, 11), (5, 11), (6, 11)):
        style = styles[f"Heading {level}"]
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.italic = False
        style.font.color.rgb = TEXT
        style.paragraph_format.space_before = Pt(18 if level <= 2 else 12)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.keep_with_next = True
    subtitle = styles["Subtitle"]
    subtitle.font.size = Pt(14)
    subtitle.font.italic = False
    subtitle.font.color.rgb = SECONDARY
    subtitle.paragraph_format.space_after = Pt(12)
    _no_border(subtitle)
    spacing = subtitle.element.find(f"{qn('w:rPr')}/{qn('w:spacing')}")
    if spacing is not None:
        spacing.getparent().remove(spacing)
    caption = styles["Caption"]
    caption.font.size = Pt(10)
    caption.font.bold = True
    caption.font.color.rgb = TEXT
    caption.paragraph_format.space_before = Pt(12)
    caption.paragraph_format.space_after = Pt(4)
    caption.paragraph_format.keep_with_next = True


def _no_border(style) -> None:
    p_pr = style.element.find(qn("w:pPr"))
    if p_pr is not None:
        for border in p_pr.findall(qn("w:pBdr")):
            p_pr.remove(border)


def _ensure_styles(doc) -> None:
    """The styles the writer uses, made when the document (a council's) has none of them."""
    styles = doc.styles
    names = {style.name for style in styles}
    for name in ("Heading 1", "Heading 2", "Heading 3", "Heading 4", "Heading 5", "Heading 6"):
        if name not in names:
            style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = styles["Normal"]
            style.font.bold = True
            style.paragraph_format.keep_with_next = True
    for name in ("Subtitle", "Caption", "List Bullet", "List Bullet 2", "List Bullet 3",
                 "List Number", "List Number 2", "List Number 3"):  # fmt: skip
        if name not in names:
            style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = styles["Normal"]
            if name == "Caption":
                style.font.bold = True
    if "Table Grid" not in names:
        grid = styles.add_style("Table Grid", WD_STYLE_TYPE.TABLE)
        _grid_borders(grid)
    if NOTE_STYLE not in names:
        note = styles.add_style(NOTE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        note.base_style = styles["Normal"]
        note.font.size = Pt(9)
        note.font.color.rgb = SECONDARY
        note.paragraph_format.space_before = Pt(3)
        note.paragraph_format.space_after = Pt(6)
    if TABLE_TEXT_STYLE not in names:
        text = styles.add_style(TABLE_TEXT_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        text.base_style = styles["Normal"]
        text.font.size = Pt(TABLE_PT)
        text.paragraph_format.space_before = Pt(1)
        text.paragraph_format.space_after = Pt(1)
        text.paragraph_format.line_spacing = 1.0


def _grid_borders(style) -> None:
    properties = style.element.get_or_add_tblPr()
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single")
        edge.set(qn("w:sz"), "4")
        edge.set(qn("w:space"), "0")
        edge.set(qn("w:color"), "B1B4B6")
        borders.append(edge)
    properties.append(borders)


def _set_language(doc, language: str) -> None:
    """The document's language, for spelling and for screen readers."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is None:
        return
    run_default = defaults.find(qn("w:rPrDefault"))
    if run_default is None:
        return
    r_pr = run_default.find(qn("w:rPr"))
    if r_pr is None:
        return
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        r_pr.append(lang)
    lang.set(qn("w:val"), language)
    lang.set(qn("w:eastAsia"), language)
