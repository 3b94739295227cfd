"""Turn an executed appendix notebook into self-contained HTML and an A4 PDF."""

from __future__ import annotations

import contextlib
import copy
import datetime
import html
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import weasyprint
from bs4 import BeautifulSoup, Comment
from nbconvert import HTMLExporter
from traitlets.config import Config

from pipeline.present import fmt_date

__all__ = ["DocumentMeta", "build_html", "build_pdf", "post_process_pdf"]

log = logging.getLogger(__name__)

#: nbconvert template base directory and the name of our template in it.
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "appendix"

#: Output MIME types shown in the appendix, in priority order (one per output).
SHOWN_MIMETYPES = ("text/html", "text/markdown", "image/svg+xml", "image/png")

#: Cells with this tag are left out of the appendix altogether.
REMOVE_CELL_TAG = "remove-cell"

#: PDF variant asked of WeasyPrint: PDF/UA-1 (tagged PDF 1.7, title and language set).
PDF_VARIANT = "pdf/ua-1"

#: Timestamp given to fontTools for embedded font subsets (2000-01-01T00:00:00Z) when
#: the caller has not set SOURCE_DATE_EPOCH; see _source_date_epoch.
_FIXED_SOURCE_DATE_EPOCH = "946684800"

_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
_FONT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}")

#: Fonts with the same metrics, tried after the one a report names: text set in Arial and in
#: Liberation Sans breaks its lines at the same places.
METRIC_COMPATIBLE = {
    "arial": ("Liberation Sans", "Arimo"),
    "liberation sans": ("Arial", "Arimo"),
    "helvetica": ("Liberation Sans", "Arial"),
    "times new roman": ("Liberation Serif", "Tinos"),
    "liberation serif": ("Times New Roman", "Tinos"),
}


def font_stack(font: str) -> str:
    """The CSS font-family of a report set in ``font``, its metric twins and a generic last.

    >>> font_stack("Liberation Sans")
    '"Liberation Sans", "Arial", "Arimo", sans-serif'
    """
    serif = "serif" in font.lower() or font.lower().startswith("times")
    names = (font, *METRIC_COMPATIBLE.get(font.lower(), ()))
    return ", ".join(f'"{name}"' for name in names) + (", serif" if serif else ", sans-serif")


def font_css(font: str) -> str:
    """The CSS that sets the page and the PDF's margin boxes in ``font``."""
    stack = font_stack(font)
    boxes = " ".join(
        f"@{box} {{ font-family: {stack}; }}"
        for box in ("top-left", "top-right", "bottom-left", "bottom-right")
    )
    return f"html {{ font-family: {stack}; }}\n@page {{ {boxes} }}"


# Elements that run code, embed other documents or pull in outside resources.
_FORBIDDEN_TAGS = ("script", "noscript", "iframe", "frame", "object", "embed", "applet", "link",
                   "base")  # fmt: skip
# Attributes whose value is fetched when the page is shown.
_RESOURCE_ATTRS = ("src", "srcset", "poster", "data", "href", "xlink:href", "background")
_CSS_URL = re.compile(r"url\(\s*['\"]?\s*([^'\")\s]*)", re.IGNORECASE)


@dataclass(frozen=True)
class DocumentMeta:
    """What the title block, running header and footer say about the appendix."""

    title: str
    decision_number: str | None
    committee: str | None
    meeting_date: datetime.date | None
    classification: str
    subtitle: str | None = None
    generated_note: str | None = None
    language: str = "en-GB"
    font: str = "Liberation Sans"

    def __post_init__(self) -> None:
        for name in ("title", "decision_number", "committee", "classification"):
            value = getattr(self, name)
            optional = name in ("decision_number", "committee")
            if optional and value is None:
                continue  # left off the front page: never made up
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"DocumentMeta.{name} must be a non-empty string, got {value!r}")
        if self.meeting_date is not None and not isinstance(self.meeting_date, datetime.date):
            raise ValueError(
                f"DocumentMeta.meeting_date must be a datetime.date, got {self.meeting_date!r}"
            )
        if not _FONT_NAME.fullmatch(self.font or ""):
            raise ValueError(f"DocumentMeta.font must be a font family name, got {self.font!r}")
        if not _LANGUAGE_TAG.fullmatch(self.language or ""):
            raise ValueError(f"DocumentMeta.language must be a BCP 47 tag, got {self.language!r}")


# --------------------------------------------------------------------------- HTML


def build_html(nb: nbformat.NotebookNode, meta: DocumentMeta) -> str:
    """Render an executed notebook as one self-contained HTML5 page.

    Shows markdown cells and, from code cells, only ``text/html``, ``text/markdown``,
    ``image/svg+xml`` (inlined) or ``image/png`` (data URI) outputs - never code,
    prompts, ``text/plain``, streams or errors. Cells tagged ``remove-cell`` and outputs
    whose metadata has ``{"pipeline": {"hidden": true}}`` are dropped.

    Raises ValueError if any cell has an error output, or if the notebook content would
    make the page run scripts or load anything from outside the file.
    """
    cleaned = _prepare_notebook(nb)
    exporter = _make_exporter()
    day = meta.meeting_date
    if isinstance(day, datetime.datetime):
        day = day.date()
    resources = {
        "appendix": {
            "title": meta.title,
            "subtitle": meta.subtitle,
            "decision_number": meta.decision_number,
            "committee": meta.committee,
            "meeting_date_iso": day.isoformat() if day else None,
            "meeting_date_text": fmt_date(day) if day else None,
            "classification": meta.classification,
            "generated_note": meta.generated_note,
            "language": meta.language,
            "font_css": font_css(meta.font),
        },
        "metadata": {"name": meta.title, "path": ""},
    }
    html, _ = exporter.from_notebook_node(cleaned, resources=resources)
    return _finish_html(html)


def _make_exporter() -> HTMLExporter:
    config = Config()
    config.NbConvertBase.display_data_priority = list(SHOWN_MIMETYPES)
    return HTMLExporter(
        config=config,
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        embed_images=False,
    )


def _cell_label(index: int, cell: nbformat.NotebookNode) -> str:
    cell_id = cell.get("id")
    return f"cell {index}" + (f" (id {cell_id!r})" if cell_id else "")


def _prepare_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Copy of ``nb`` holding only what the appendix shows (see build_html)."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                raise ValueError(
                    f"{_cell_label(index, cell)} has an error output "
                    f"({output.get('ename', '?')}: {output.get('evalue', '')}); "
                    "refusing to build an appendix from a notebook that did not run cleanly"
                )

    nb = copy.deepcopy(nb)
    kept = []
    for index, cell in enumerate(nb.cells):
        label = _cell_label(index, cell)
        if REMOVE_CELL_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "markdown":
            _check_html_fragment(_as_text(cell.source), label)
            kept.append(cell)
        elif cell.cell_type == "code":
            outputs = [_prepare_output(out, label) for out in cell.get("outputs", [])]
            outputs = [out for out in outputs if out is not None]
            if outputs:
                cell.source = ""
                cell.outputs = outputs
                kept.append(cell)
        # raw and unknown cells are not part of the appendix
    nb.cells = kept
    return nb


def _prepare_output(output: nbformat.NotebookNode, label: str) -> nbformat.NotebookNode | None:
    """The output reduced to the one MIME type shown, or None to drop it."""
    if output.get("output_type") not in ("execute_result", "display_data"):
        return None  # streams (stdout/stderr) are never shown
    pipeline_meta = output.get("metadata", {}).get("pipeline") or {}
    if pipeline_meta.get("hidden"):
        return None
    data = output.get("data", {})
    for mimetype in SHOWN_MIMETYPES:
        if mimetype not in data:
            continue
        value = _as_text(data[mimetype])
        if mimetype in ("text/html", "text/markdown"):
            _check_html_fragment(value, f"{label}, {mimetype} output")
        elif mimetype == "image/svg+xml":
            value = _inline_svg(value, f"{label}, image/svg+xml output", pipeline_meta.get("alt"))
        elif mimetype == "image/png":
            value = "".join(value.split())
        output.data = {mimetype: value}
        return output
    return None  # only text/plain or other types we do not show


def _as_text(value: str | list[str]) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _inline_svg(svg: str, where: str, alt: str | None = None) -> str:
    """SVG markup fit to sit inside HTML: no XML declaration, DOCTYPE or comments before it.

    The chart is announced as one image (``role="img"``) named by ``alt`` (the output's
    ``metadata.pipeline.alt``), as an ``<img>`` is by its alt text.
    """
    start = svg.find("<svg")
    if start < 0:
        raise ValueError(f"{where}: no <svg> element found")
    svg = svg[start:].strip()
    _check_html_fragment(svg, where)
    opening = svg[: svg.find(">")]
    extra = "" if "role=" in opening else ' role="img"'
    if alt and "aria-label=" not in opening:
        extra += f' aria-label="{html.escape(alt, quote=True)}"'
    return "<svg" + extra + svg[len("<svg") :]


def _check_html_fragment(html: str, where: str) -> None:
    """Raise ValueError if ``html`` would run script or fetch anything from outside."""
    if "<" not in html:
        return
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(True):
        name = tag.name.lower()
        if name in _FORBIDDEN_TAGS:
            raise ValueError(f"{where}: contains a <{name}> element, not allowed in the appendix")
        for attr, value in tag.attrs.items():
            attr = attr.lower()
            text = " ".join(value) if isinstance(value, list) else str(value)
            if attr.startswith("on"):
                raise ValueError(f"{where}: <{name} {attr}=...> is a script, not allowed")
            if attr in _RESOURCE_ATTRS:
                _check_reference(text, f"{where}: <{name} {attr}={text[:60]!r}>", link=name == "a")
            if attr == "style":
                _check_css(text, f"{where}: <{name} style=...>")
        if name == "style":
            _check_css(tag.get_text(), f"{where}: <style>")


def _check_reference(url: str, where: str, *, link: bool) -> None:
    url = url.strip()
    lowered = url.lower()
    if lowered.startswith("javascript:"):
        raise ValueError(f"{where}: javascript: URLs are not allowed")
    if link:
        return  # an ordinary hyperlink is not fetched when the page is shown
    if not url or url.startswith("#") or lowered.startswith("data:"):
        return
    raise ValueError(
        f"{where}: refers to a resource outside the file; "
        "embed it as a data: URI so the appendix stays self-contained"
    )


def _check_css(css: str, where: str) -> None:
    if "@import" in css.lower():
        raise ValueError(f"{where}: CSS @import is not allowed")
    for match in _CSS_URL.finditer(css):
        _check_reference(match.group(1), f"{where} url({match.group(1)[:60]!r})", link=False)


def _finish_html(html: str) -> str:
    """Last pass over the whole page: heading levels and the self-contained guarantee."""
    soup = BeautifulSoup(html, "html.parser")
    main = soup.find("main")
    if main is not None and main.find("h1") is not None:
        log.warning(
            "The notebook uses level-1 headings; h1 is the appendix title, so notebook "
            "headings are moved down one level (start notebook headings at '##')."
        )
        for heading in main.find_all(["h1", "h2", "h3", "h4", "h5"]):
            heading.name = f"h{int(heading.name[1]) + 1}"
    _label_scroll_regions(soup)
    _drop_author_comments(soup)
    result = str(soup)
    _check_html_fragment(result, "rendered appendix")
    return result


def _drop_author_comments(soup: BeautifulSoup) -> None:
    """Remove the stylesheet's comments and any HTML comment: they are notes for whoever
    edits the template (a SHA-256 wraps rather than widening the page), not for members,
    who can read them with "view source".
    """
    for style in soup.find_all("style"):
        css = re.sub(r"/\*.*?\*/", "", style.get_text(), flags=re.S)
        style.string = re.sub(r"\n\s*\n+", "\n", css)
    for comment in soup.find_all(string=lambda node: isinstance(node, Comment)):
        comment.extract()


def _label_scroll_regions(soup: BeautifulSoup) -> None:
    """Make each table wrapper a named region that the keyboard can reach.

    On a narrow screen a wide table scrolls sideways inside its ``.table-wrap``; a scrolling
    box must take keyboard focus so that it can be scrolled without a mouse (WCAG 2.1.1,
    axe ``scrollable-region-focusable``), and a focusable region needs a name, which is the
    table's caption. A chart scrolls the same way on a phone (it keeps legible labels), so
    its figure takes focus too; its name is its figcaption.
    """
    for figure in soup.select("figure.chart"):
        figure.attrs.setdefault("tabindex", "0")
    for number, wrap in enumerate(soup.select("div.table-wrap"), start=1):
        table = wrap.find("table")
        if table is None:
            continue
        wrap.attrs.setdefault("tabindex", "0")
        wrap.attrs.setdefault("role", "region")
        if "aria-label" in wrap.attrs or "aria-labelledby" in wrap.attrs:
            continue
        caption = table.find("caption")
        if caption is not None and caption.get_text(strip=True):
            if not caption.get("id"):
                caption["id"] = f"table-caption-{number}"
            wrap["aria-labelledby"] = caption["id"]
        else:
            wrap["aria-label"] = f"Table {number}"


# --------------------------------------------------------------------------- PDF


def build_pdf(html: str) -> bytes:
    """Render appendix HTML (from build_html) as an A4 PDF/UA-1 document.

    Title comes from ``<title>``, language from ``<html lang>``. Nothing is fetched
    from outside the HTML (only data: URIs are read). The result is byte-for-byte
    reproducible: WeasyPrint 70 writes no creation or modification date unless the
    HTML has ``dcterms.created``/``dcterms.modified`` meta elements, the PDF file
    identifier is a hash of the content, and embedded font subsets get a fixed
    timestamp (see _source_date_epoch).
    """
    with _source_date_epoch():
        pdf = lay_out(html).write_pdf(pdf_variant=PDF_VARIANT, pdf_identifier=True)
    assert pdf is not None
    return pdf


def lay_out(html: str) -> weasyprint.Document:
    """The appendix laid out on A4 pages as the PDF prints it: charts and short tables that a
    first layout pushed to a new page, leaving a gap, fitted into it (``fill_gaps``)."""
    laid_out = _lay_out(html)
    for _ in range(FIT_PASSES):
        refitted = fill_gaps(html, laid_out)
        if refitted is None:
            break
        candidate = _lay_out(refitted)
        if len(candidate.pages) > len(laid_out.pages):
            break  # a fix that costs a page is no fix
        html, laid_out = refitted, candidate
    return laid_out


def _lay_out(html: str) -> weasyprint.Document:
    fetcher = weasyprint.URLFetcher(allowed_protocols=("data",), fail_on_errors=True)
    return weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher).render()


# --------------------------------------------------------------------------- page fitting

#: A chart never splits over pages, so one that does not fit the rest of a page moves to the
#: next and leaves the rest blank. A page (not the last) filled to less than this share of its
#: height above such a chart is a gap worth closing.
GAP_FILL = 0.75
#: Charts are drawn with 10pt labels at full width; a chart is never drawn so small that they
#: print under 7pt.
MIN_CHART_SCALE = 0.7
#: Layouts tried after the first, each closing the gaps the previous one left.
FIT_PASSES = 3
#: The fewest body rows a table can break with: the stylesheet keeps three under its header
#: and four above its end (``tbody tr:nth-child(-n+3)``, ``nth-last-child(-n+3)``).
BREAKABLE_ROWS = 7


@dataclass(frozen=True)
class PageFill:
    """Where the content of one laid-out page ends, and what opens the next page."""

    page: int
    filled: float  # share of the page's content height used
    free_px: float  # CSS pixels left at the bottom
    next_opens_with_chart: int | None  # index of the chart (in document order) opening page+1
    next_opens_with_table: str | None = None  # caption id of a whole table opening page+1


def _boxes(box) -> Iterator:
    yield box
    for child in getattr(box, "children", None) or ():
        yield from _boxes(child)


def _is_chart(box) -> bool:
    element = getattr(box, "element", None)
    return (
        getattr(box, "element_tag", "") == "figure"
        and element is not None
        and "chart" in (element.get("class") or "").split()
        and type(box).__name__ == "BlockBox"
    )


def _short_table(box) -> str | None:
    """The caption id of a table kept whole on one page (``table-wrap short``), if ``box`` is
    one's wrapper."""
    element = getattr(box, "element", None)
    if getattr(box, "element_tag", "") != "div" or element is None:
        return None
    if {"table-wrap", "short"} <= set((element.get("class") or "").split()):
        return element.get("aria-labelledby")
    return None


def page_fills(laid_out: weasyprint.Document) -> list[PageFill]:
    """How full each page is, and which pages are followed by a page that opens with a chart."""
    charts_seen = 0
    opening: dict[int, int] = {}  # page -> index of the chart at its top
    tables: dict[int, str] = {}  # page -> caption id of the short table at its top
    spans: list[tuple[float, float]] = []
    for number, page in enumerate(laid_out.pages):
        root = page._page_box
        html_box = next(c for c in root.children if getattr(c, "element_tag", "") == "html")
        top = html_box.content_box_y()
        limit = root.content_box_y() + root.height
        bottom, first = top, None
        for box in _boxes(html_box):
            kind = type(box).__name__
            if kind in ("LineBox", "BlockReplacedBox", "InlineReplacedBox") and box.height:
                if first is None:
                    first = box
                bottom = max(bottom, box.position_y + box.height)
            if _is_chart(box):
                if box.position_y - top < 40 and number not in opening:
                    opening[number] = charts_seen
                charts_seen += 1
            label = _short_table(box)
            if label and box.position_y - top < 40 and number not in tables:
                tables[number] = label
        spans.append((top, limit, bottom))
    fills = []
    for number, (top, limit, bottom) in enumerate(spans):
        fills.append(
            PageFill(
                page=number + 1,
                filled=(bottom - top) / (limit - top),
                free_px=limit - bottom,
                next_opens_with_chart=opening.get(number + 1),
                next_opens_with_table=tables.get(number + 1),
            )
        )
    return fills


def _chart_boxes(laid_out: weasyprint.Document) -> list:
    """Each chart's figure box and its image box, in document order."""
    found = []
    for page in laid_out.pages:
        for box in _boxes(page._page_box):
            if _is_chart(box):
                image = next(
                    (b for b in _boxes(box) if type(b).__name__.endswith("ReplacedBox")), None
                )
                found.append((box, image))
    return found


def fill_gaps(html: str, laid_out: weasyprint.Document) -> str | None:
    """The appendix HTML changed so that what a first layout pushed to a new page, leaving the
    page before it mostly blank, fills the gap; None when there is no such gap.

    A chart (never split) that opens the next page is, in order of preference:

    - drawn smaller, when that fits it in the gap without its labels printing under 7pt;
    - else moved after the table that follows it in its section: a long table fills the gap
      row by row (it may break across pages), a short one when it fits whole, or else when
      it has rows enough to break as the stylesheet allows (``BREAKABLE_ROWS``), when it
      may break too.

    A short table (kept whole on one page) that opens the next page may break instead, keeping
    the stylesheet's rows on each side (three under its header, four above its end), when it
    has rows enough to.

    Only the PDF is laid out this way; the HTML and Word documents keep the order in which
    the sections were written.
    """
    charts = _chart_boxes(laid_out)
    gaps = [
        fill
        for fill in page_fills(laid_out)[:-1]
        if fill.filled < GAP_FILL
        and (fill.next_opens_with_chart is not None or fill.next_opens_with_table)
    ]
    if not gaps:
        return None
    soup = BeautifulSoup(html, "html.parser")
    elements = soup.select("figure.chart")
    if len(elements) != len(charts):
        return None  # a chart not laid out (hidden): the indexes would not match
    changed = False
    for fill in gaps:
        if fill.next_opens_with_chart is None:
            # a short table kept whole: let it break (the rows it keeps on each side are the
            # stylesheet's) rather than leave the page blank under its heading
            wrap = soup.find("div", attrs={"aria-labelledby": fill.next_opens_with_table})
            if wrap is not None and "short" in wrap["class"]:
                changed |= _let_break(wrap)
            continue
        index = fill.next_opens_with_chart
        figure, image = charts[index]
        element = elements[index]
        shortfall = figure.margin_height() - fill.free_px + 2
        if image is not None and image.height > shortfall > 0:
            intrinsic = image.replacement.get_intrinsic_size(1, 16)[0] or image.width
            scale = image.width / intrinsic * (image.height - shortfall) / image.height
            if scale >= MIN_CHART_SCALE:
                px = image.height - shortfall
                element.img["style"] = f"max-height: {px * 25.4 / 96:.1f}mm"
                changed = True
                continue
        following = element.find_next_sibling()
        if following is None or "table-wrap" not in (following.get("class") or []):
            continue
        too_tall = "short" in following["class"] and _height(laid_out, following) > fill.free_px
        if too_tall and not _let_break(following):
            continue
        following.insert_after(element.extract())
        changed = True
    return str(soup) if changed else None


def _let_break(wrap) -> bool:
    """Let the short table ``wrap`` break over pages, if it has rows enough to keep the
    stylesheet's rows on each side (``BREAKABLE_ROWS``); whether it may now."""
    if len(wrap.select("tbody tr")) < BREAKABLE_ROWS:
        return False
    wrap["class"] = [c for c in wrap["class"] if c != "short"]
    return True


def _height(laid_out: weasyprint.Document, element) -> float:
    """The laid-out height of the table wrapper ``element`` (by its caption's id), every
    fragment of it added up."""
    label = element.get("aria-labelledby")
    total = 0.0
    for page in laid_out.pages:
        for box in _boxes(page._page_box):
            found = getattr(box, "element", None)
            if (
                getattr(box, "element_tag", "") == "div"
                and found is not None
                and label is not None
                and found.get("aria-labelledby") == label
            ):
                total += box.margin_height()
    return total


def post_process_pdf(
    pdf: bytes,
    *,
    manifest: bytes,
    figures: bytes,
    xmp: dict[str, str],
    when: datetime.datetime,
) -> bytes:
    """Every change made to WeasyPrint's PDF after it is written, in one pikepdf pass.

    Today: the provenance record (``manifest``) and the figures as associated embedded files
    (each a file specification in the catalogue's ``/AF`` array with ``/AFRelationship
    /Data``, and in the ``/EmbeddedFiles`` name tree, as PDF/A-3 does), and ``xmp``'s
    properties in the ``inmss:`` namespace of the XMP metadata; a ``/Scope`` on every table
    header cell's structure element and the structure tree's ``/IDTree``, which WeasyPrint
    leaves out (see _scope_table_headers). Any further post-processing belongs here too, in
    the same open and save.

    Reproducible: the embedded files are dated ``when`` (the render date), pikepdf is not
    stamped as editor (it would write the current time), and the file identifier is a hash
    of the content (``deterministic_id``), so the same inputs give the same bytes.
    """
    import io

    import pikepdf

    from pipeline import embedded

    stamp = when.strftime("D:%Y%m%d%H%M%SZ")
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        associated = pikepdf.Array()
        for name, data, description in (
            (embedded.MANIFEST_ATTACHMENT, manifest, "Provenance of this appendix"),
            (embedded.FIGURES_ATTACHMENT, figures, "Every figure this appendix shows"),
        ):
            spec = pikepdf.AttachedFileSpec(
                document,
                data,
                description=description,
                filename=name,
                mime_type="application/json",
                creation_date=stamp,
                mod_date=stamp,
                relationship=pikepdf.Name.Data,
            )
            document.attachments[name] = spec
            associated.append(document.attachments[name].obj)
        document.Root.AF = document.make_indirect(associated)
        _scope_table_headers(document)
        pikepdf.models.PdfMetadata.register_xml_namespace(embedded.NAMESPACE, embedded.XMP_PREFIX)
        with document.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            for key, value in xmp.items():
                meta[f"{{{embedded.NAMESPACE}}}{key}"] = value
        document.save(out, deterministic_id=True)
    return out.getvalue()


#: Structure elements that group a table's rows (ISO 32000-1, 14.8.4.3.4).
_ROW_GROUPS = ("/THead", "/TBody", "/TFoot")


def _structure_kids(element) -> list:
    """The structure elements among ``element``'s /K (marked-content ids left out)."""
    import pikepdf

    kids = element.get("/K")
    if kids is None:
        return []
    kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
    return [kid for kid in kids if isinstance(kid, pikepdf.Dictionary) and "/S" in kid]


def _table_rows(table) -> list[tuple[str | None, object]]:
    """The /TR rows of a /Table structure element in order, each with its row group."""
    rows = []
    for kid in _structure_kids(table):
        if kid.S == "/TR":
            rows.append((None, kid))
        elif str(kid.S) in _ROW_GROUPS:
            rows += [(str(kid.S), row) for row in _structure_kids(kid) if row.S == "/TR"]
    return rows


def _cell_headers(cell) -> set[str]:
    """The header ids a /TD lists in /Headers (on the element or in a /Table attribute)."""
    import pikepdf

    found: set[str] = set()
    owners = [cell]
    attributes = cell.get("/A")
    if attributes is not None:
        owners += list(attributes) if isinstance(attributes, pikepdf.Array) else [attributes]
    for owner in owners:
        if isinstance(owner, pikepdf.Dictionary) and "/Headers" in owner:
            found.update(str(header) for header in owner.Headers)
    return found


def _set_table_attribute(cell, key: str, value) -> None:
    """Set ``key`` in the cell's /Table attribute dictionary, adding one where there is none."""
    import pikepdf

    attributes = cell.get("/A")
    candidates = (
        list(attributes)
        if isinstance(attributes, pikepdf.Array)
        else ([attributes] if attributes is not None else [])
    )
    for candidate in candidates:
        if isinstance(candidate, pikepdf.Dictionary) and candidate.get("/O") == pikepdf.Name.Table:
            candidate[key] = value
            return
    table = pikepdf.Dictionary(O=pikepdf.Name.Table)
    table[key] = value
    if attributes is None:
        cell.A = table
    elif isinstance(attributes, pikepdf.Array):
        attributes.append(table)
    else:
        cell.A = pikepdf.Array([attributes, table])


def _scope_table_headers(document) -> None:
    """Give every /TH structure element a /Scope, and the structure tree its /IDTree.

    WeasyPrint reads ``<th scope>`` only to list each data cell's headers (``/Headers`` on
    the /TD, naming the /TH ``/ID``) and writes no ``/Scope`` (WeasyPrint issue 1784), so a
    reader that goes by scope finds no header cells' direction. The scope is decided from the
    PDF's own structure, which carries the HTML's: a /TH that a data cell of its own row
    lists among its headers is a row header (WeasyPrint lists a row's ``scope="row"``
    headers for every cell of that row), one that data cells of other rows list is a column
    header; a /TH that no data cell lists (the corner cell over the row headers) is a column
    header in the table's /THead or first row, and a row header where it starts a body row.

    The /ID values WeasyPrint writes need an /IDTree in the structure tree root to be found
    (ISO 32000-1, 14.7.2: required once any element has an identifier), which it leaves out:
    it is added here, mapping every /ID to its element.
    """
    import pikepdf

    root = document.Root.get("/StructTreeRoot")
    if root is None:
        return
    identified: dict[str, object] = {}
    pending = _structure_kids(root)
    while pending:
        element = pending.pop()
        if "/ID" in element:
            identified[str(element.ID)] = element
        if element.S == "/Table":
            _scope_table(_table_rows(element))
        pending += _structure_kids(element)
    if identified:
        tree = pikepdf.NameTree.new(document)
        for key in sorted(identified):
            tree[key] = identified[key]
        root.IDTree = tree.obj


def _scope_table(rows: list[tuple[str | None, object]]) -> None:
    """Set /Scope on each /TH of one table's rows (see _scope_table_headers)."""
    import pikepdf

    listed_by_own_row: set[str] = set()
    listed: set[str] = set()
    for _, row in rows:
        cells = _structure_kids(row)
        own = {str(cell.ID) for cell in cells if cell.S == "/TH" and "/ID" in cell}
        for cell in cells:
            if cell.S == "/TD":
                headers = _cell_headers(cell)
                listed |= headers
                listed_by_own_row |= headers & own
    in_head = any(group == "/THead" for group, _ in rows)
    for number, (group, row) in enumerate(rows):
        for position, cell in enumerate(_structure_kids(row)):
            if cell.S != "/TH":
                continue
            key = str(cell.ID) if "/ID" in cell else None
            if key in listed_by_own_row:
                scope = pikepdf.Name.Row
            elif key in listed:
                scope = pikepdf.Name.Column
            elif group == "/THead" or (number == 0 and not in_head):
                scope = pikepdf.Name.Column
            elif position == 0:
                scope = pikepdf.Name.Row
            else:
                scope = pikepdf.Name.Column
            _set_table_attribute(cell, "/Scope", scope)


@contextlib.contextmanager
def _source_date_epoch() -> Iterator[None]:
    """Pin SOURCE_DATE_EPOCH while WeasyPrint writes the PDF.

    When libharfbuzz-subset is not installed, WeasyPrint subsets the embedded fonts
    with fontTools, which stamps each subset font's ``head.modified`` with the current
    time unless SOURCE_DATE_EPOCH is set - so two runs would differ in a few bytes.
    A value the caller has already set is respected.
    """
    if os.environ.get("SOURCE_DATE_EPOCH"):
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = _FIXED_SOURCE_DATE_EPOCH
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
