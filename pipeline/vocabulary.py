"""Declared vocabularies: canonical columns, header aliases and accepted spellings of codes.

Everything the cleaner recognises lives here, in one place, so that supporting a new export
means adding a line to a table rather than a branch to the code.
"""

from __future__ import annotations

import functools
import re

#: A school outside the council's area (its districts come from the council's file).
OUT_OF_AREA = "Out of area"
NOT_RECORDED = "Not recorded"

#: canonical column -> (required, description)
CANONICAL_COLUMNS: dict[str, bool] = {
    "pupil_id": True,
    "school_urn": True,
    "school_name": True,
    "school_type": False,
    "framework_status": True,
    "school_district": True,
    "school_la": False,
    "primary_need": True,
    "ncy": True,
    "placement_type": True,
    "placement_start": True,
    "placement_end": False,
    "annual_fee": True,
    "home_district": False,
    "sex": False,
    "ethnicity": False,
    "date_of_birth": False,
}
REQUIRED_COLUMNS: tuple[str, ...] = tuple(k for k, v in CANONICAL_COLUMNS.items() if v)

#: Columns that identify a child directly (as normalised headers). They are dropped at ingest
#: and never written; the date of birth is dropped too, once the age has been derived from it.
DIRECT_IDENTIFIERS: tuple[str, ...] = (
    "forename",
    "forenames",
    "first_name",
    "first_names",
    "firstname",
    "given_name",
    "middle_name",
    "middle_names",
    "preferred_name",
    "known_as",
    "legal_forename",
    "surname",
    "legal_surname",
    "last_name",
    "lastname",
    "family_name",
    "full_name",
    "child_name",
    "childs_name",
    "pupil_name",
    "name",
    "upn",
    "unique_pupil_number",
    "former_upn",
    "uln",
    "address",
    "address_line_1",
    "address_line_2",
    "address_line_3",
    "home_address",
    "postcode",
    "post_code",
    "home_postcode",
    "nhs_number",
    "nhs_no",
    "email",
    "telephone",
    "phone",
    "mobile",
    "parent_name",
    "carer_name",
)

#: Header aliases: canonical column -> the headers exports use for it, written as they appear
#: in exports. Headers are compared after ``normalise_header`` (case, spacing, punctuation and
#: camelCase do not matter). When an export has several headers for one column, the earliest
#: in this list wins (the canonical name first) and the others are reported as not used.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "pupil_id": (
        "Child ID",
        "Pupil Ref",
        "Pupil Reference",
        "Child Ref",
        "Child Reference",
        "Person ID",
        "Case ID",
        "EHCP ID",
        "Client ID",
        "Mosaic ID",
    ),
    "school_urn": (
        "URN",
        "Provision URN",
        "School URN Number",
        "Establishment URN",
        "Setting URN",
        "URN No",
    ),
    "school_name": (
        "School",
        "Provision",
        "Provision Name",
        "Establishment Name",
        "Setting Name",
        "Provider",
    ),
    "school_type": (
        "Establishment Type",
        "Provision Type",
        "Type of Establishment",
        "Setting Type",
        "GIAS Type",
    ),
    "framework_status": (
        "DPS Status",
        "DPS",
        "On DPS",
        "Contract Status",
        "Framework",
        "Framework Status",
        "Lot",
    ),
    "school_district": ("District", "Provision District", "School Location", "Setting District"),
    "school_la": ("School Local Authority", "Provision LA", "LA", "Local Authority"),
    "primary_need": (
        "Need",
        "Primary SEN Need",
        "SEN Primary Need",
        "Primary Need Type",
        "Primary SEN Type",
        "Need Type",
        "Primary Need Code",
    ),
    "ncy": ("Year Group", "NC Year", "National Curriculum Year", "NCY Year", "Year"),
    "placement_type": (
        "Day/Residential",
        "Day or Residential",
        "Placement",
        "Provision Basis",
        "Boarding",
        "Residential Status",
    ),
    "placement_start": (
        "Start Date",
        "Start",
        "Placement Start Date",
        "Date Started",
        "Date Placement Started",
    ),
    "placement_end": (
        "End Date",
        "End",
        "Placement End Date",
        "Date Ended",
        "Leaving Date",
        "Date Left",
    ),
    "annual_fee": (
        "Fee",
        "Annual Cost",
        "Annual Placement Fee",
        "Agreed Fee",
        "Agreed Annual Fee",
        "Annual Fee GBP",
        "Fee per Annum",
        "Cost per Annum",
        "Total Annual Cost",
        "Cost",
    ),
    "home_district": (
        "Child District",
        "Home Area",
        "Residence District",
        "District of Residence",
        "Home District Name",
    ),
    "sex": ("Gender", "Sex/Gender", "Legal Sex"),
    "ethnicity": ("Ethnic Group", "Ethnicity Main Group", "Ethnic Origin", "Ethnicity Code"),
    "date_of_birth": ("DOB", "Birth Date", "D.O.B."),
}

#: One way a case-management system heads each column of its export (system names, not the
#: canonical ones, plus two identifier columns that cleaning drops). The benchmark and the test
#: corpus write their exports with these; each is an alias above (a test checks).
EXPORT_HEADERS: dict[str, str] = {
    "pupil_id": "Child ID",
    "forename": "Forename",
    "surname": "Surname",
    "school_urn": "Provision URN",
    "school_name": "Provision Name",
    "school_type": "Establishment Type",
    "framework_status": "DPS Status",
    "school_district": "District",
    "school_la": "Local Authority",
    "primary_need": "Primary Need",
    "ncy": "NCY",
    "placement_type": "Day/Residential",
    "placement_start": "Start Date",
    "placement_end": "End Date",
    "annual_fee": "Annual Fee",
    "home_district": "Home District",
    "sex": "Gender",
    "ethnicity": "Ethnicity",
    "date_of_birth": "DOB",
}

#: Labels that mark a totals row when they are the first value of a row (after
#: ``normalise_label``). Such a row is quarantined as "totals row", never counted as a placement.
TOTAL_ROW_PATTERN = (
    r"(grand |sub |overall )?(sub)?totals?"
    r"( (placements?|pupils?|children|fees?|costs?|spend|count|rows?|all|for .+))?"
)

#: National curriculum years written as words; anything else must be a number, optionally
#: after "Year", "Yr", "Y", "NC" or "NCY".
NCY_WORDS: dict[str, int] = {
    "R": 0,
    "YR": 0,
    "REC": 0,
    "RECEPTION": 0,
    "YEAR R": 0,
    "Y R": 0,
    "N1": -2,
    "NURSERY 1": -2,
    "N2": -1,
    "NURSERY 2": -1,
}

PRIMARY_NEEDS: dict[str, str] = {
    "ASD": "Autistic spectrum disorder",
    "SEMH": "Social, emotional and mental health",
    "SLCN": "Speech, language and communication needs",
    "MLD": "Moderate learning difficulty",
    "SLD": "Severe learning difficulty",
    "PMLD": "Profound and multiple learning difficulty",
    "SPLD": "Specific learning difficulty",
    "HI": "Hearing impairment",
    "VI": "Visual impairment",
    "MSI": "Multi-sensory impairment",
    "PD": "Physical disability",
    "DS": "Down syndrome",
    "OTH": "Other difficulty or disability",
    NOT_RECORDED: "Primary need not recorded",
}

NEED_ALIASES: dict[str, str] = {
    "autism": "ASD",
    "autistic spectrum disorder": "ASD",
    "autism spectrum disorder": "ASD",
    "autistic spectrum condition": "ASD",
    "asc": "ASD",
    "social emotional and mental health": "SEMH",
    "speech language and communication needs": "SLCN",
    "speech language and communication": "SLCN",
    "moderate learning difficulty": "MLD",
    "severe learning difficulty": "SLD",
    "profound and multiple learning difficulty": "PMLD",
    "profound and multiple learning difficulties": "PMLD",
    "specific learning difficulty": "SPLD",
    "hearing impairment": "HI",
    "visual impairment": "VI",
    "multi sensory impairment": "MSI",
    "multisensory impairment": "MSI",
    "physical disability": "PD",
    "down syndrome": "DS",
    "other difficulty disability": "OTH",
    "other difficulty or disability": "OTH",
    "other": "OTH",
    "not recorded": NOT_RECORDED,
    # plurals and the older or shorter names systems still use
    "autistic spectrum conditions": "ASD",
    "autism spectrum condition": "ASD",
    "social emotional and mental health difficulties": "SEMH",
    "speech language and communication need": "SLCN",
    "moderate learning difficulties": "MLD",
    "severe learning difficulties": "SLD",
    "specific learning difficulties": "SPLD",
    "spld": "SPLD",
    "hearing impaired": "HI",
    "visually impaired": "VI",
    "multi sensory impairments": "MSI",
    "physical disabilities": "PD",
    "downs syndrome": "DS",
    "down s syndrome": "DS",
    "other difficulties disabilities": "OTH",
}

SCHOOL_TYPES: dict[str, str] = {
    "non_maintained_special": "non_maintained_special",
    "non maintained special school": "non_maintained_special",
    "non maintained special": "non_maintained_special",
    "8": "non_maintained_special",
    "08": "non_maintained_special",
    "nmss": "non_maintained_special",
    "special schools non maintained": "non_maintained_special",
    "independent_special": "independent_special",
    "other independent special school": "independent_special",
    "independent special school": "independent_special",
    "independent special": "independent_special",
    "10": "independent_special",
    "independent special schools": "independent_special",
}

PLACEMENT_TYPES: dict[str, str] = {
    "day": "day",
    "day placement": "day",
    "day school": "day",
    "residential": "residential",
    "weekly boarding": "residential",
    "boarding": "residential",
    "38 week residential": "residential",
    "52 week residential": "residential",
    "termly boarding": "residential",
    "d": "day",
    "day pupil": "day",
    "day only": "day",
    "r": "residential",
    "residential school": "residential",
    "boarder": "residential",
    "weekly boarder": "residential",
    "38 weeks residential": "residential",
    "52 weeks residential": "residential",
    "residential 38 weeks": "residential",
    "residential 52 weeks": "residential",
    "residential 38 week": "residential",
    "residential 52 week": "residential",
}


def district_aliases(council) -> dict[str, str]:
    """Spellings of a school's district -> the council's district, or ``Out of area``.

    >>> from pipeline.councils import load_council
    >>> aliases = district_aliases(load_council("kent"))
    >>> aliases["shepway"], aliases["outside kent"], aliases["ooa"]
    ('Folkestone and Hythe', 'Out of area', 'Out of area')
    """
    return {
        **{d.lower(): d for d in council.districts},
        **{k.lower(): v for k, v in council.district_aliases.items()},
        "out of area": OUT_OF_AREA,
        "out of county": OUT_OF_AREA,
        "ooa": OUT_OF_AREA,
        council.outside.lower(): OUT_OF_AREA,
    }


def home_district_aliases(council) -> dict[str, str]:
    """Spellings of a child's home district -> the council's district, or ``Outside <name>``."""
    return {
        **{d.lower(): d for d in council.districts},
        **{k.lower(): v for k, v in council.district_aliases.items()},
        council.outside.lower(): council.outside,
        "out of county": council.outside,
        "out of area": council.outside,
    }


SEX_CODES: dict[str, str] = {
    "f": "F",
    "female": "F",
    "girl": "F",
    "m": "M",
    "male": "M",
    "boy": "M",
    "other": "Other or not recorded",
    "not recorded": "Other or not recorded",
    "not known": "Other or not recorded",
    "u": "Other or not recorded",
    "unknown": "Other or not recorded",
    "x": "Other or not recorded",
    "indeterminate": "Other or not recorded",
    "prefer not to say": "Other or not recorded",
}

#: DfE main ethnic groups in the order tables show them.
ETHNIC_GROUP_ORDER: tuple[str, ...] = (
    "White",
    "Mixed",
    "Asian or Asian British",
    "Black or Black British",
    "Any other ethnic group",
    "Not known",
)

#: The first words of the ethnic groups that are names, which keep their capital inside a
#: sentence ("the largest ethnic group is White"; "any other ethnic group" is none).
ETHNIC_GROUP_NAMES: frozenset[str] = frozenset({"White", "Mixed", "Asian", "Black"})

ETHNIC_GROUPS: dict[str, str] = {
    "white": "White",
    "mixed": "Mixed",
    "mixed multiple ethnic groups": "Mixed",
    "asian or asian british": "Asian or Asian British",
    "asian": "Asian or Asian British",
    "black or black british": "Black or Black British",
    "black african caribbean or black british": "Black or Black British",
    "black": "Black or Black British",
    "any other ethnic group": "Any other ethnic group",
    "other ethnic group": "Any other ethnic group",
    "chinese": "Any other ethnic group",
    "not known": "Not known",
    "refused": "Not known",
    "information not yet obtained": "Not known",
    # DfE school census ethnicity codes, grouped as above
    "wbri": "White",
    "wiri": "White",
    "wirt": "White",
    "woth": "White",
    "wroo": "White",
    "whit": "White",
    "mwbc": "Mixed",
    "mwba": "Mixed",
    "mwas": "Mixed",
    "moth": "Mixed",
    "aind": "Asian or Asian British",
    "apkn": "Asian or Asian British",
    "aban": "Asian or Asian British",
    "aoth": "Asian or Asian British",
    "bcrb": "Black or Black British",
    "bafr": "Black or Black British",
    "both": "Black or Black British",
    "chne": "Any other ethnic group",
    "ooth": "Any other ethnic group",
    "refu": "Not known",
    "nobt": "Not known",
    "white british": "White",
    "white irish": "White",
    "any other white background": "White",
    "gypsy roma": "White",
    "traveller of irish heritage": "White",
    "white black caribbean": "Mixed",
    "white black african": "Mixed",
    "white asian": "Mixed",
    "any other mixed background": "Mixed",
    "indian": "Asian or Asian British",
    "pakistani": "Asian or Asian British",
    "bangladeshi": "Asian or Asian British",
    "any other asian background": "Asian or Asian British",
    "caribbean": "Black or Black British",
    "african": "Black or Black British",
    "any other black background": "Black or Black British",
}


def normalise_header(header: object) -> str:
    """Lower-case a header and turn punctuation and runs of spaces into single underscores.

    >>> normalise_header("  Primary Need ")
    'primary_need'
    >>> normalise_header("D.O.B.")
    'd_o_b'
    >>> normalise_header("ChildID"), normalise_header("Child's name"), normalise_header("DPSStatus")
    ('child_id', 'childs_name', 'dps_status')
    """
    text = str(header).replace("\u00a0", " ").replace("'", "").replace("\u2019", "").strip()
    # camelCase and run-together acronyms (ChildID, DPSStatus) are word breaks too
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", text).lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def normalise_label(value: str) -> str:
    """Normalise a code or label for lookup: lower case, punctuation to spaces, one space.

    >>> normalise_label("Social, Emotional & Mental-Health ")
    'social emotional mental health'
    """
    text = value.replace("\u00a0", " ").replace("'", "").replace("\u2019", "").lower()
    text = text.replace("&", " ")
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    return " ".join(w for w in words if w != "and")


def label_lookup(mapping: dict[str, str], *canonical: str) -> dict[str, str]:
    """Build a lookup keyed by normalised label; canonical values map to themselves."""
    lookup = {normalise_label(k): v for k, v in mapping.items()}
    for value in (*mapping.values(), *canonical):
        lookup.setdefault(normalise_label(value), value)
    return lookup


@functools.cache
def _header_lookup() -> dict[str, str]:
    lookup = {name: name for name in CANONICAL_COLUMNS}
    for canonical, aliases in HEADER_ALIASES.items():
        for alias in aliases:
            lookup.setdefault(normalise_header(alias), canonical)
    return lookup


def header_lookup() -> dict[str, str]:
    """Map every accepted normalised header (canonical names included) to its canonical name.

    >>> header_lookup()["child_id"], header_lookup()["day_residential"]
    ('pupil_id', 'placement_type')
    """
    return dict(_header_lookup())


# --- header words: how two spellings of one header are seen to say the same thing

#: Words (after ``normalise_header``) that exports use for one another in headers: each maps
#: to the word that stands for all of them. ``Estab URN`` and ``School URN`` are one header.
HEADER_SYNONYMS: dict[str, str] = {
    "estab": "school",
    "establishment": "school",
    "provision": "school",
    "setting": "school",
    "area": "district",
    "dist": "district",
    "locality": "district",
    "ref": "id",
    "reference": "id",
    "identifier": "id",
    "yr": "year",
    "dob": "birth",
    "gender": "sex",
    "ethnic": "ethnicity",
    "fees": "fee",
    "cost": "fee",
    "costs": "fee",
    "residence": "home",
    "needs": "need",
    "started": "start",
    "commenced": "start",
    "ended": "end",
    "finish": "end",
    "boarding": "residential",
}
#: Runs of words that say one word's worth (applied before the single words above).
HEADER_PHRASES: dict[str, str] = {
    "need_type": "need",
    "local_authority": "la",
    "date_of_birth": "birth",
    "birth_date": "birth",
    "national_curriculum_year": "ncy",
    "nc_year": "ncy",
    "year_group": "ncy",
    "per_annum": "annual",
    "urn_number": "urn",
    "urn_no": "urn",
}
#: Words that add nothing to what a header names.
HEADER_FILLER: frozenset[str] = frozenset({"the", "of", "for", "a", "an", "and", "or", "date"})
#: Words that qualify a header without changing what it names: ``SEN Primary Need`` is the
#: primary need, ``Child Surname`` a surname. A header with one of these more than a known
#: header still names that column (a weaker match than the same words).
HEADER_QUALIFIERS: frozenset[str] = frozenset(
    {"sen", "send", "current", "latest", "main", "child", "childs", "pupil", "pupils", "legal"}
)


def header_words(header: object) -> frozenset[str]:
    """The words of a header as a set, with synonyms made one and filler words dropped:
    the order, case and punctuation of a header do not matter.

    >>> sorted(header_words("Estab URN")), sorted(header_words("Residential/Day"))
    (['school', 'urn'], ['day', 'residential'])
    >>> header_words("SEN Primary Need Type") == header_words("sen_primary_need")
    True
    """
    words = (HEADER_SYNONYMS.get(w, w) for w in header_word_list(header))
    return frozenset(w for w in words if w not in HEADER_FILLER)


def header_word_list(header: object) -> list[str]:
    """The words of a header in order, each phrase of ``HEADER_PHRASES`` made one word.

    >>> header_word_list("Date of Birth"), header_word_list("SEN Primary Need Type")
    (['birth'], ['sen', 'primary', 'need'])
    """
    text = normalise_header(header)
    for phrase, word in HEADER_PHRASES.items():
        text = re.sub(rf"(?:^|(?<=_)){phrase}(?=_|$)", word, text)
    return [w for w in text.split("_") if w]


def identifier_header(header: object) -> bool:
    """True when a header names a direct identifier of a child, however it is qualified
    (``Surname``, ``Child Surname``, ``Pupil's Legal Forename``).

    >>> identifier_header("Child Surname"), identifier_header("Child Forename")
    (True, True)
    >>> identifier_header("Child ID"), identifier_header("School Name")
    (False, False)
    """
    key = normalise_header(header)
    if key in DIRECT_IDENTIFIERS:
        return True
    words = [w for w in key.split("_") if w not in HEADER_QUALIFIERS]
    return (
        bool(words) and len(words) < len(key.split("_")) and "_".join(words) in (DIRECT_IDENTIFIERS)
    )


@functools.cache
def _header_words_lookup() -> dict[frozenset[str], str]:
    found: dict[frozenset[str], set[str]] = {}
    for canonical, aliases in HEADER_ALIASES.items():
        for alias in (canonical, *aliases):
            if words := header_words(alias):
                found.setdefault(words, set()).add(canonical)
    return {words: next(iter(names)) for words, names in found.items() if len(names) == 1}


def header_words_lookup() -> dict[frozenset[str], str]:
    """The words of every accepted header -> its canonical column, for the words that name
    one column only (``header_words``).

    >>> header_words_lookup()[header_words("Establishment District")]
    'school_district'
    """
    return _header_words_lookup()
