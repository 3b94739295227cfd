"""Provenance carried inside the published documents, for a reviewer who has only one file.

A render embeds its provenance record (``render.provenance_record``: report, definition and
its hash, inputs and their hashes, code commit, render date, the hashes of the published
files that carry no record) and its figures in each document it publishes:

- the PDF, as two associated embedded files (``/AF`` on the catalogue, as PDF/A-3 does) and
  in its XMP metadata (``document.post_process_pdf`` writes them);
- the DOCX and the XLSX, as one custom XML part (``customXml/itemN.xml`` with its
  properties part, related from the main document part), which Word and Excel keep but never
  show to a reader (custom document properties would show in File > Properties).

``read`` gets the record back from any of them; the publication gate reads the same parts
(``parts_to_check``) and searches them for identifiers like any other published text.
"""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from dataclasses import dataclass

#: The record's embedded file name in a PDF, and its figures'.
MANIFEST_ATTACHMENT = "manifest.json"
FIGURES_ATTACHMENT = "figures.json"
ATTACHMENTS = (MANIFEST_ATTACHMENT, FIGURES_ATTACHMENT)
#: The namespace of the custom XML part and of the XMP properties.
NAMESPACE = "urn:inmss-appendix:provenance:1"
XMP_PREFIX = "inmss"
#: The custom XML parts are numbered: the record takes the first number free (python-docx's
#: default document already holds a bibliography as item 1).
CUSTOM_XML = "customXml/item{n}.xml"
CUSTOM_XML_PROPS = "customXml/itemProps{n}.xml"
CUSTOM_XML_RELS = "customXml/_rels/item{n}.xml.rels"
_REL_CUSTOM_XML = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml"
_REL_PROPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXmlProps"
_PROPS_TYPE = "application/vnd.openxmlformats-officedocument.customXmlProperties+xml"
_REL_ID = "rIdInmssProvenance"


class NoProvenance(ValueError):
    """The file carries no embedded provenance record (or one that cannot be read)."""


@dataclass(frozen=True)
class Embedded:
    """What a document carries: its provenance record and its figures (as JSON bytes)."""

    manifest: dict
    figures: dict


def dumps(value: object) -> bytes:
    """The canonical JSON bytes of a record (sorted keys, two-space indent, a final newline)."""
    return (json.dumps(value, indent=2, sort_keys=True) + "\n").encode("utf-8")


# --------------------------------------------------------------------------- OOXML


def custom_xml(manifest: bytes, figures: bytes) -> bytes:
    """The custom XML part: the record and the figures, each as JSON text in an element.

    >>> part = custom_xml(b'{"report": "x"}', b'{"figures": {}}')
    >>> _parse_custom_xml(part).manifest
    {'report': 'x'}
    """
    from xml.sax.saxutils import escape

    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<provenance xmlns="{NAMESPACE}">\n'
        f"<manifest>{escape(manifest.decode('utf-8'))}</manifest>\n"
        f"<figures>{escape(figures.decode('utf-8'))}</figures>\n"
        "</provenance>\n"
    ).encode()


def embed_in_ooxml(data: bytes, manifest: bytes, figures: bytes) -> bytes:
    """``data`` (a DOCX or XLSX zip) with the record as a custom XML part, related from its
    main document part. The parts keep their order and stamps (the caller normalises)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    if _record_part(source) is not None:
        raise ValueError("the document already carries a provenance record")
    n = 1
    while CUSTOM_XML.format(n=n) in names:
        n += 1
    main = _main_part(source)
    folder, _, leaf = main.rpartition("/")
    main_rels = f"{folder}/_rels/{leaf}.rels" if folder else f"_rels/{leaf}.rels"
    item_id = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, NAMESPACE + main)).upper() + "}"
    target = "../" * main.count("/") + CUSTOM_XML.format(n=n)
    added = {
        CUSTOM_XML.format(n=n): custom_xml(manifest, figures),
        CUSTOM_XML_PROPS.format(n=n): (
            '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
            f'<ds:datastoreItem ds:itemID="{item_id}" '
            'xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml">'
            f'<ds:schemaRefs><ds:schemaRef ds:uri="{NAMESPACE}"/></ds:schemaRefs>'
            "</ds:datastoreItem>"
        ).encode(),
        CUSTOM_XML_RELS.format(n=n): (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL_PROPS}" Target="itemProps{n}.xml"/>'
            "</Relationships>"
        ).encode(),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "[Content_Types].xml":
                content = _with_content_types(content, CUSTOM_XML_PROPS.format(n=n))
            elif info.filename == main_rels:
                content = content.replace(
                    b"</Relationships>",
                    f'<Relationship Id="{_REL_ID}" Type="{_REL_CUSTOM_XML}" '
                    f'Target="{target}"/></Relationships>'.encode(),
                )
            archive.writestr(info, content)
        if main_rels not in names:
            raise ValueError(f"the document has no {main_rels} part")
        for name, content in added.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0)), content)
    return out.getvalue()


def _main_part(archive: zipfile.ZipFile) -> str:
    rels = archive.read("_rels/.rels").decode("utf-8")
    for match in re.finditer(r"<Relationship\b[^>]*>", rels):
        tag = match.group(0)
        if re.search(r'Type="[^"]*/officeDocument"', tag):
            found = re.search(r'Target="/?([^"]+)"', tag)
            if found:
                return found.group(1)
    raise ValueError("the document has no main part (no officeDocument relationship)")


def _with_content_types(content: bytes, props: str) -> bytes:
    text = content.decode("utf-8")
    extra = ""
    if not re.search(r'<Default\b[^>]*Extension="xml"', text):
        extra += '<Default Extension="xml" ContentType="application/xml"/>'
    extra += f'<Override PartName="/{props}" ContentType="{_PROPS_TYPE}"/>'
    return text.replace("</Types>", extra + "</Types>").encode("utf-8")


def _record_part(archive: zipfile.ZipFile) -> str | None:
    """The custom XML part that holds the provenance record, if any."""
    for part in sorted(archive.namelist()):
        if re.fullmatch(r"customXml/item\d+\.xml", part):
            if f'xmlns="{NAMESPACE}"'.encode() in archive.read(part)[:400]:
                return part
    return None


def _parse_custom_xml(part: bytes) -> Embedded:
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(part)
        manifest = root.find(f"{{{NAMESPACE}}}manifest")
        figures = root.find(f"{{{NAMESPACE}}}figures")
        if root.tag != f"{{{NAMESPACE}}}provenance" or manifest is None:
            raise NoProvenance("its custom XML part is not an inmss-appendix provenance record")
        return Embedded(
            json.loads(manifest.text or ""),
            json.loads(figures.text or "{}") if figures is not None else {},
        )
    except (ET.ParseError, json.JSONDecodeError) as error:
        raise NoProvenance(f"its provenance record cannot be read ({error})") from None


# --------------------------------------------------------------------------- PDF


def xmp_properties(manifest: dict) -> dict[str, str]:
    """The record's headline facts as XMP properties (``inmss:`` namespace): report id,
    definition hash, each input's hash, the code commit and the render date.

    >>> record = {"report": "r", "definition_sha256": "d", "render_date": "2025-01-02",
    ...           "git": {"commit": "c", "dirty": False},
    ...           "inputs": {"a": {"path": "data/a.csv", "sha256": "h"}}}
    >>> xmp_properties(record)["InputSHA256"]
    'a=h'
    """
    git = manifest.get("git") or {}
    return {
        "ReportId": str(manifest["report"]),
        "DefinitionSHA256": str(manifest.get("definition_sha256", "")),
        "InputSHA256": "; ".join(
            f"{name}={record['sha256']}" for name, record in sorted(manifest["inputs"].items())
        ),
        "CodeCommit": str(git.get("commit") or "unknown")
        + (" (uncommitted changes)" if git.get("dirty") else ""),
        "RenderDate": str(manifest.get("render_date", "")),
    }


def pdf_parts(data: bytes) -> tuple[dict[str, bytes], str]:
    """A PDF's embedded files (name to bytes) and its XMP metadata as text."""
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            files = {name: spec.get_file().read_bytes() for name, spec in pdf.attachments.items()}
            metadata = pdf.Root.get("/Metadata")
            xmp = metadata.read_bytes().decode("utf-8", "replace") if metadata is not None else ""
    except pikepdf.PdfError as error:
        raise NoProvenance(f"it cannot be read as a PDF ({error})") from None
    return files, xmp


def pdf_document_info(data: bytes) -> dict[str, str]:
    """A PDF's document information dictionary (``/Title``, ``/Producer`` ...) as text."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        return {str(key): str(value) for key, value in pdf.docinfo.items()}


# --------------------------------------------------------------------------- reading


def read(data: bytes, name: str) -> Embedded:
    """The provenance record and figures a published document carries.

    Raises ``NoProvenance`` naming what is missing when it carries none.
    """
    suffix = name.rsplit(".", 1)[-1].lower()
    if suffix == "pdf":
        files, _ = pdf_parts(data)
        if MANIFEST_ATTACHMENT not in files:
            raise NoProvenance(f"it has no embedded {MANIFEST_ATTACHMENT}")
        try:
            manifest = json.loads(files[MANIFEST_ATTACHMENT])
            figures = json.loads(files.get(FIGURES_ATTACHMENT, b"{}"))
        except json.JSONDecodeError as error:
            raise NoProvenance(
                f"its embedded {MANIFEST_ATTACHMENT} is not JSON ({error})"
            ) from None
        return Embedded(manifest, figures)
    if suffix in ("docx", "xlsx"):
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise NoProvenance(f"it is not a {suffix.upper()} file (not a zip)") from None
        part = _record_part(archive)
        if part is None:
            raise NoProvenance("it has no custom XML part holding a provenance record")
        return _parse_custom_xml(archive.read(part))
    raise NoProvenance("only a PDF, DOCX or XLSX carries an embedded manifest")


def parts_to_check(data: bytes, name: str) -> list[tuple[str, str]]:
    """Every embedded provenance part of a document as (where, text), for the gate: each
    string of the embedded JSON records by its path, the XMP metadata, and any other custom
    XML part whole.

    >>> parts_to_check(b"not a document", "notes.txt")
    []
    """
    suffix = name.rsplit(".", 1)[-1].lower()
    found: list[tuple[str, str]] = []
    if suffix == "pdf":
        files, xmp = pdf_parts(data)
        for part, content in sorted(files.items()):
            found += _json_strings(f"the embedded file {part}", content)
        if xmp:
            found.append(("the XMP metadata", xmp))
    elif suffix in ("docx", "xlsx"):
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            return []
        for part in sorted(archive.namelist()):
            if not (part.startswith("customXml/") and part.endswith(".xml")):
                continue
            where = f"the custom XML part {part}"
            if part == _record_part(archive):
                try:
                    record = _parse_custom_xml(archive.read(part))
                except NoProvenance:
                    found.append((where, archive.read(part).decode("utf-8", "replace")))
                    continue
                found += _json_strings(f"{where} (manifest)", dumps(record.manifest))
                found += _json_strings(f"{where} (figures)", dumps(record.figures))
            else:
                found.append((where, archive.read(part).decode("utf-8", "replace")))
    return found


def _json_strings(where: str, content: bytes) -> list[tuple[str, str]]:
    """Every key and string value of a JSON document by its path (the whole text if it is
    not JSON)."""
    try:
        document = json.loads(content)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return [(where, content.decode("utf-8", "replace"))]
    found = []
    todo: list[tuple[str, object]] = [("", document)]
    while todo:
        path, value = todo.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                found.append((f"{where} {path}", str(key)))
                todo.append((f"{path}.{key}" if path else str(key), item))
        elif isinstance(value, list):
            todo += [(f"{path}[{n}]", item) for n, item in enumerate(value)]
        elif isinstance(value, str):
            found.append((f"{where} {path}", value))
    return found
