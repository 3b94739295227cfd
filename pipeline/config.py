"""Report definitions: the typed, validated contents of ``reports/<id>.yml``.

A report definition is validated once, here, at the edge. Unknown keys and wrong types are
errors that name the key (``ReportDefinitionError``), never warnings.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from pipeline import reports
from pipeline.councils import Council, find_council, known_councils, load_council
from pipeline.errors import ReportDefinitionError
from pipeline.naming import snake_case

PROJECT_ROOT = Path(__file__).resolve().parents[1]

#: The typeface of the PDF and the Word document unless the definition or its council names
#: another: metric-compatible with Arial, which council house styles name, and free to install
#: (Debian's fonts-liberation), so the PDF is the same wherever it is made.
DEFAULT_FONT = "Liberation Sans"
#: What a font setting may be: a family name, nothing that could break out of CSS.
FONT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}$"


def resolve_path(path: str | Path) -> Path:
    """A path as given if absolute, else relative to the project root (never the cwd)."""
    path = Path(path)
    return path if path.is_absolute() else PROJECT_ROOT / path


class Strict(BaseModel):
    """A configuration model: unknown keys are errors, values never change once read."""

    model_config = ConfigDict(extra="forbid", frozen=True)


_Strict = Strict


class FrameworkCategory(_Strict):
    """One framework status a placement can have (e.g. ``DPS``, ``Lot 1``)."""

    name: str
    slug: str | None = None
    contracted: bool = False
    aliases: list[str] = Field(default_factory=list)

    @property
    def key(self) -> str:
        """Identifier-safe name used in figure ids (``Non-DPS`` -> ``non_dps``)."""
        return self.slug or snake_case(self.name)


def _default_categories() -> list[FrameworkCategory]:
    return [
        FrameworkCategory(
            name="DPS",
            contracted=True,
            aliases=["on dps", "dps", "contracted", "y", "yes", "on framework"],
        ),
        FrameworkCategory(
            name="Non-DPS",
            contracted=False,
            aliases=["non dps", "non-dps", "spot", "off framework", "n", "no", "not on dps"],
        ),
    ]


class Framework(_Strict):
    """The framework categories of a report: configuration, not code."""

    label: str = "DPS status"
    categories: list[FrameworkCategory] = Field(default_factory=_default_categories)

    @field_validator("categories")
    @classmethod
    def _at_least_two(cls, value: list[FrameworkCategory]) -> list[FrameworkCategory]:
        if len(value) < 2:
            raise ValueError("a framework needs at least two categories")
        names = [c.name for c in value]
        if len(set(names)) != len(names):
            raise ValueError(f"category names repeat: {names}")
        return value

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.categories]

    @property
    def contracted(self) -> list[str]:
        return [c.name for c in self.categories if c.contracted]

    def key(self, name: str) -> str:
        """Figure-id key of a category name, or ``total``."""
        for category in self.categories:
            if category.name == name:
                return category.key
        return snake_case(name)


class Extract(_Strict):
    """One input file of a report.

    ``columns`` maps the export's own headers onto the columns of its kind (``{"Estab URN":
    school_urn}``; a header mapped to nothing is set aside), ``values`` the export's own
    spellings of a column's values onto accepted ones (``{primary_need: {"Autism": ASD}}``):
    how an author fits an export the cleaner does not know, without touching the code. The
    cleaner checks both against the file (an unknown header, column or value is an error).
    More than ``quarantine_warning_share`` of the rows quarantined is warned about.
    """

    path: Path
    kind: str
    label: str
    figure_prefix: str | None = None
    as_at: dt.date | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    sheet: str | None = None
    description: str | None = None
    columns: dict[str, str | None] = Field(default_factory=dict)
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    quarantine_warning_share: float | None = Field(default=None, gt=0, le=1)

    @model_validator(mode="after")
    def _period_is_ordered(self) -> Extract:
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self

    def resolved_path(self) -> Path:
        return resolve_path(self.path)


class FinancialYear(_Strict):
    """A financial year used to pro-rate annual fees into spend."""

    label: str = "2024-25"
    start: dt.date = dt.date(2024, 4, 1)
    end: dt.date = dt.date(2025, 3, 31)


class Geography(_Strict):
    """The authority the report is about, for the tidy files (ONS and DfE codes)."""

    la_name: str
    new_la_code: str
    old_la_code: str
    #: The region the authority is in (EES local-authority rows carry it).
    region_code: str | None = None
    region_name: str | None = None

    @classmethod
    def of(cls, council: Council) -> Geography:
        return cls(
            la_name=council.name,
            new_la_code=council.new_la_code,
            old_la_code=council.old_la_code,
            region_code=council.region_code,
            region_name=council.region_name,
        )

    @classmethod
    def of_authority(cls, authority: str) -> Geography | None:
        """The codes of the authority named ``authority`` from its council file
        (``pipeline/councils/``), or None where the project has no file for it."""
        council = find_council(authority)
        return cls.of(council) if council else None


class FanOut(_Strict):
    """Render one appendix per value of a column (e.g. one per district) from one definition,
    or one per local authority of an input (``over: local_authorities``).

    Fanned out by placing authority, each member's tidy files carry that authority's codes:
    from ``geographies``, else from the authority's council file (``pipeline/councils/``).
    Fanned out over the local authorities of an input (``input``: one whose kind lists its
    authorities, such as ``ehcp_statistics``), each member is that authority's report: its
    council file if it has one, else the codes, name and region the input gives."""

    column: (
        Literal[
            "school_district", "home_district", "school_la", "primary_need", "placing_authority"
        ]
        | None
    ) = None
    over: Literal["local_authorities"] | None = None
    input: str | None = None
    values: list[str] | None = None
    geographies: dict[str, Geography] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_way(self) -> FanOut:
        if (self.column is None) == (self.over is None):
            raise ValueError("give either column (a column's values) or over: local_authorities")
        if self.over and not self.input:
            raise ValueError("over: local_authorities needs input: the input that lists them")
        return self


class Parameters(_Strict):
    """Numeric choices of the report, all defaulted and all recorded in the outputs."""

    suppression_threshold: int = Field(default=5, ge=1, le=100)
    day_provision_only: bool = True
    peak_year_groups: int = Field(default=2, ge=1, le=5)
    fee_ceiling_gbp: float = Field(default=350_000, gt=0)
    financial_year: FinancialYear = Field(default_factory=FinancialYear)
    render_date: dt.date | None = None


class ReportDefinition(_Strict):
    """Everything needed to render one committee appendix."""

    id: str
    title: str
    subtitle: str | None = None
    #: What the front page says of the decision, only as the definition states it: an
    #: absent detail is left out, never made up (an EqIA has no decision number; a decision
    #: taken out of committee has no meeting).
    decision_number: str | None = None
    committee: str | None = None
    meeting_date: dt.date | None = None
    classification: str = "Unrestricted"
    #: The council's file (``kent``, or a path), or the council itself as a mapping (a fan-out
    #: over local authorities gives each member its own, from the input's codes and names).
    council: str | Council
    geography: Geography | None = None
    synthetic_data: bool = False
    source_note: str | None = None
    framework: Framework = Field(default_factory=Framework)
    inputs: dict[str, Extract]
    report_type: str = "inmss"
    parameters: Parameters = Field(default_factory=Parameters)
    fan_out: FanOut | None = None
    filters: dict[str, str] = Field(default_factory=dict)
    font: str | None = Field(default=None, pattern=FONT_PATTERN)
    docx_template: Path | None = None
    #: The figures the committee papers printed (``data/published/published-figures.yml``):
    #: the reviewers' note compares the report's figures with them.
    published_figures: Path | None = None
    #: Notes for the report's authors and reviewers: in the reviewers' note, never published.
    author_notes: list[str] = Field(default_factory=list)
    narrative: Path | None = None

    @field_validator("narrative")
    @classmethod
    def _narrative_is_a_markdown_file(cls, value: Path | None) -> Path | None:
        if value is not None:
            fix = (
                "give the path (from the project root) of the Markdown file of the report's "
                "own paragraphs, e.g. reports/<id>.narrative.md, or remove narrative"
            )
            if value.suffix.lower() != ".md":
                raise ValueError(f"{value} is not a Markdown (.md) file; {fix}")
            if not resolve_path(value).is_file():
                raise ValueError(f"{value} does not exist; {fix}")
        return value

    def narrative_path(self) -> Path | None:
        """The author's paragraphs whose numbers are placeholders (``pipeline.narrative``)."""
        return resolve_path(self.narrative) if self.narrative else None

    @field_validator("docx_template")
    @classmethod
    def _docx_template_is_a_word_document(cls, value: Path | None) -> Path | None:
        if value is not None:
            check_docx_template(value)
        return value

    @field_validator("published_figures")
    @classmethod
    def _published_figures_exist(cls, value: Path | None) -> Path | None:
        if value is not None and not resolve_path(value).is_file():
            raise ValueError(
                f"published_figures: no file {value} (name the YAML of the figures the "
                "committee papers printed, e.g. data/published/published-figures.yml, or "
                "leave the key out)"
            )
        return value

    @property
    def typeface(self) -> str:
        """The font of the PDF and the Word document: the definition's, else its council's,
        else ``DEFAULT_FONT``."""
        return self.font or self.authority.font or DEFAULT_FONT

    def published_figures_path(self) -> Path | None:
        """The committee papers' printed figures this report is compared with, if any."""
        return resolve_path(self.published_figures) if self.published_figures else None

    def docx_template_path(self) -> Path | None:
        """The council's reference Word document whose styles the appendix.docx takes."""
        return resolve_path(self.docx_template) if self.docx_template else None

    @model_validator(mode="before")
    @classmethod
    def _default_kinds(cls, raw: object) -> object:
        """An input without ``kind:`` is of its report type's first (main) kind."""
        if isinstance(raw, dict) and isinstance(raw.get("inputs"), dict):
            try:
                main = reports.get(str(raw.get("report_type", "inmss"))).kinds[0].name
            except ReportDefinitionError:
                return raw  # the report_type check below names the problem
            raw = {
                **raw,
                "inputs": {
                    name: {"kind": main, **value} if isinstance(value, dict) else value
                    for name, value in raw["inputs"].items()
                },
            }
        return raw

    @field_validator("council")
    @classmethod
    def _council_is_known(cls, value: str | Council) -> str | Council:
        if isinstance(value, Council):
            return value
        try:
            load_council(value)
        except ReportDefinitionError as exc:
            raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _geography_defaults_to_the_council(self) -> ReportDefinition:
        if self.geography is None:
            # frozen: set once, here, while the model is being built
            object.__setattr__(self, "geography", Geography.of(self.authority))
        return self

    @model_validator(mode="after")
    def _the_appendix_has_a_date(self) -> ReportDefinition:
        if self.meeting_date is None and self.parameters.render_date is None:
            raise ValueError(
                "the appendix needs a date: give meeting_date (the meeting it goes to) or "
                "parameters.render_date (the date it is dated), so that every render of it "
                "is dated the same"
            )
        return self

    @property
    def dated(self) -> dt.date:
        """The appendix's own date: its render date, else its meeting's."""
        return self.parameters.render_date or self.meeting_date

    @property
    def authority(self) -> Council:
        """The council whose report this is (name, codes, region, districts)."""
        if isinstance(self.council, Council):
            return self.council
        return load_council(self.council)

    @field_validator("id")
    @classmethod
    def _id_is_a_folder_name(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", value):
            raise ValueError("id must be letters, digits, '.', '_' or '-' (it names a folder)")
        return value

    @field_validator("report_type")
    @classmethod
    def _report_type_is_registered(cls, value: str) -> str:
        try:
            reports.get(value)
        except ReportDefinitionError as exc:
            raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _inputs_are_of_known_kinds(self) -> ReportDefinition:
        kind_of = self.type
        for name, extract in self.inputs.items():
            if kind_of.kind(extract.kind) is None:
                known = ", ".join(k.name for k in kind_of.kinds)
                raise ValueError(
                    f"inputs.{name}.kind '{extract.kind}' is not an input kind of report type "
                    f"{self.report_type} (kinds: {known})"
                )
        if kind_of.check:
            reports.resolve(kind_of.check)(self)
        return self

    @property
    def type(self) -> reports.ReportType:
        """The report type's declaration (notebook, input kinds, identifier columns)."""
        return reports.get(self.report_type)

    def cleaned_inputs(self) -> dict[str, Extract]:
        """Inputs cleaned into interim tables (those whose kind has a cleaner)."""
        kinds = self.type
        return {k: v for k, v in self.inputs.items() if kinds.kind(v.kind).cleaned}


@functools.cache
def definition_model(report_type: str) -> type[ReportDefinition]:
    """The definition model of a report type: the common keys and the type's own."""
    declared = reports.get(report_type)
    if not declared.settings:
        return ReportDefinition
    fields = {
        key: (model, Field(default_factory=default) if callable(default) else default)
        for key, (model, default) in declared.settings.items()
    }
    name = "".join(part.capitalize() for part in snake_case(report_type).split("_"))
    return create_model(f"{name}Definition", __base__=ReportDefinition, **fields)


def parse_definition(raw: dict) -> ReportDefinition:
    """Validate a definition's mapping with its report type's model."""
    report_type = raw.get("report_type", "inmss")
    try:
        model = definition_model(str(report_type))
    except ReportDefinitionError:
        model = ReportDefinition  # validation names the unknown type
    return model.model_validate(raw)


_WORD_DOCUMENT = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def check_docx_template(path: Path) -> None:
    """Refuse a ``docx_template`` that is not a Word document python-docx can take styles from.

    Raises ValueError saying what is wrong and what to do (the definition's loader names the
    file and the key).
    """
    import zipfile

    fix = (
        "give the path (absolute, or from the project root) of a Word document saved as .docx "
        "whose styles the appendix should use, or remove docx_template"
    )
    resolved = resolve_path(path)
    if not resolved.is_file():
        raise ValueError(f"{path} does not exist; {fix}")
    if resolved.suffix.lower() != ".docx":
        raise ValueError(
            f"{path} is not a .docx file (a .dotx template or a .docm must be saved as .docx "
            f"first, without macros); {fix}"
        )
    try:
        with zipfile.ZipFile(resolved) as archive:
            names = set(archive.namelist())
            types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError):
        raise ValueError(f"{path} is not a Word document (it cannot be opened); {fix}") from None
    if "word/styles.xml" not in names or _WORD_DOCUMENT not in types:
        raise ValueError(f"{path} is not a Word document with styles; {fix}")


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(p) for p in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            lines.append(f"unknown key '{key}' (remove it or check its spelling)")
        elif item["type"] == "missing":
            lines.append(f"missing key '{key}'")
        else:
            lines.append(f"key '{key}': {item['msg']}")
    return "; ".join(lines)


def slug(text: str) -> str:
    """Folder-safe form of a value: ``Folkestone and Hythe`` -> ``folkestone-and-hythe``.

    >>> slug("Folkestone and Hythe")
    'folkestone-and-hythe'
    """
    return snake_case(text).replace("_", "-")


def expand_fan_out(definition: ReportDefinition) -> list[dict]:
    """The variants a definition renders: ``[{}]`` for a plain one, else one per value.

    Each variant is a small dict of overrides (id, subtitle, filters) that papermill can pass
    to the notebooks as a parameter and ``load_report_definition`` applies.
    """
    if definition.fan_out is None:
        return [{}]
    if definition.fan_out.over == "local_authorities":
        return _authority_members(definition)
    values = definition.fan_out.values
    if not values:
        if definition.fan_out.column not in ("school_district", "home_district"):
            raise ReportDefinitionError(
                f"fan_out.values: list the values of {definition.fan_out.column} to render "
                "(only a district fan-out defaults to the council's districts)"
            )
        values = list(definition.authority.districts)
        if not values:
            raise ReportDefinitionError(
                f"fan_out: {definition.authority.name} has no districts (a unitary authority), "
                "so there is nothing to fan out over; remove fan_out or list its values"
            )
    variants = []
    for value in values:
        base = definition.subtitle or definition.title
        variant = {
            "id": f"{definition.id}-{slug(value)}",
            "subtitle": f"{base}: {value}",
            "filters": {**definition.filters, definition.fan_out.column: value},
            "fan_out": None,
        }
        if definition.fan_out.column == "placing_authority":
            variant["geography"] = _authority_geography(definition.fan_out, value)
        variants.append(variant)
    return variants


def _authority_members(definition: ReportDefinition) -> list[dict]:
    """One variant per local authority the fan-out's input lists (its kind's ``authorities``
    hook gives their codes, names and regions), each with its own council and codes."""
    fan_out = definition.fan_out
    extract = definition.inputs.get(fan_out.input)
    if extract is None:
        raise ReportDefinitionError(
            f"fan_out.input '{fan_out.input}' is not under inputs "
            f"(inputs: {', '.join(definition.inputs)})"
        )
    kind = definition.type.kind(extract.kind)
    if kind is None or kind.authorities is None:
        raise ReportDefinitionError(
            f"fan_out.input '{fan_out.input}' is of kind {extract.kind}, which lists no local "
            "authorities to fan out over (use an input of kind ehcp_statistics)"
        )
    listed = reports.resolve(kind.authorities)(extract.resolved_path())
    wanted = set(fan_out.values or [])
    unknown = wanted - {a["name"] for a in listed} - {a["new_la_code"] for a in listed}
    if unknown:
        raise ReportDefinitionError(
            f"fan_out.values: {', '.join(sorted(unknown))} not among the input's local "
            "authorities (give names or ONS codes as the input prints them)"
        )
    by_code = {load_council(slug).new_la_code: slug for slug in known_councils()}
    base = definition.subtitle or definition.title
    variants = []
    for authority in listed:
        if wanted and not wanted & {authority["name"], authority["new_la_code"]}:
            continue
        own = by_code.get(authority["new_la_code"])
        council = own if own else Council.model_validate(authority).model_dump(mode="json")
        name = authority["name"]
        variants.append(
            {
                "id": f"{definition.id}-{slug(name)}",
                "subtitle": f"{base}: {name}",
                "council": council,
                "geography": {
                    "la_name": name,
                    "new_la_code": authority["new_la_code"],
                    "old_la_code": authority["old_la_code"],
                    "region_code": authority.get("region_code"),
                    "region_name": authority.get("region_name"),
                },
                "fan_out": None,
            }
        )
    return variants


def _authority_geography(fan_out: FanOut, authority: str) -> dict:
    """The codes of a placing authority's member report, for its tidy files: from
    ``fan_out.geographies``, else from the authority's council file."""
    if authority in fan_out.geographies:
        return fan_out.geographies[authority].model_dump()
    if geography := Geography.of_authority(authority):
        return geography.model_dump()
    raise ReportDefinitionError(
        f"fan_out: no local authority codes for '{authority}'; add them under "
        f"fan_out.geographies.{authority} (la_name, new_la_code, old_la_code, region_code, "
        "region_name)"
    )


def load_report_definition(path: str | Path, variant: dict | None = None) -> ReportDefinition:
    """Read and validate a report definition.

    Parameters
    ----------
    path : str or Path
        The ``reports/<id>.yml`` file (relative paths resolve from the project root if they
        do not exist from the current directory).

    Raises
    ------
    ReportDefinitionError
        With a message naming the file, the offending key and the fix.
    """
    path = Path(path)
    if not path.exists() and not path.is_absolute() and (PROJECT_ROOT / path).exists():
        path = PROJECT_ROOT / path
    if not path.exists():
        raise ReportDefinitionError(f"{path}: report definition not found (check the path)")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ReportDefinitionError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(raw, dict):
        raise ReportDefinitionError(
            f"{path}: expected a mapping of keys, found {type(raw).__name__}"
        )
    if variant:
        raw = {**raw, **variant}
    try:
        definition = parse_definition(raw)
        expand_fan_out(definition)  # every member can be made (each authority has its codes)
    except ValidationError as exc:
        raise ReportDefinitionError(f"{path}: {_describe(exc)}") from None
    except ReportDefinitionError as exc:
        raise ReportDefinitionError(f"{path}: {exc}") from None
    return definition
