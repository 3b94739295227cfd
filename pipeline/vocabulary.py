"""Declared vocabularies: canonical columns, header aliases and accepted spellings of codes.

Everything the cleaner recognises lives here, in one place, so that supporting a new export
means adding a line to a table rather than a branch to the code.
"""

from __future__ import annotations

import re

KENT_DISTRICTS: tuple[str, ...] = (
    "Ashford",
    "Canterbury",
    "Dartford",
    "Dover",
    "Folkestone and Hythe",
    "Gravesham",
    "Maidstone",
    "Sevenoaks",
    "Swale",
    "Thanet",
    "Tonbridge and Malling",
    "Tunbridge Wells",
)
OUT_OF_AREA = "Out of area"
OUTSIDE_KENT = "Outside Kent"
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

#: Columns that identify a child directly. They are dropped at ingest and never written.
DIRECT_IDENTIFIERS: tuple[str, ...] = (
    "forename",
    "first_name",
    "firstname",
    "given_name",
    "surname",
    "last_name",
    "lastname",
    "family_name",
    "full_name",
    "child_name",
    "pupil_name",
    "name",
    "upn",
    "unique_pupil_number",
    "uln",
    "address",
    "address_line_1",
    "address_line_2",
    "home_address",
    "postcode",
    "post_code",
    "home_postcode",
    "nhs_number",
)

#: Header aliases: normalised header -> canonical column. Headers are normalised by
#: ``normalise_header`` (lower case, punctuation and spaces to ``_``) before lookup.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "pupil_id": ("child_id", "pupil_ref", "child_ref", "person_id", "case_id", "ehcp_id"),
    "school_urn": ("urn", "provision_urn", "school_urn_number", "establishment_urn"),
    "school_name": ("school", "provision", "provision_name", "establishment_name", "provider"),
    "school_type": ("establishment_type", "provision_type", "type_of_establishment"),
    "framework_status": ("dps_status", "dps", "on_dps", "contract_status", "framework", "lot"),
    "school_district": ("district", "provision_district", "school_location"),
    "school_la": ("school_local_authority", "provision_la", "la", "local_authority"),
    "primary_need": ("need", "primary_sen_need", "sen_primary_need", "primary_need_type"),
    "ncy": ("year_group", "nc_year", "national_curriculum_year", "ncy_year"),
    "placement_type": ("day_residential", "placement", "provision_basis", "boarding"),
    "placement_start": ("start_date", "start", "placement_start_date", "date_started"),
    "placement_end": ("end_date", "end", "placement_end_date", "date_ended", "leaving_date"),
    "annual_fee": ("fee", "annual_cost", "annual_placement_fee", "agreed_fee", "cost"),
    "home_district": ("child_district", "home_area", "residence_district"),
    "sex": ("gender",),
    "ethnicity": ("ethnic_group", "ethnicity_main_group", "ethnic_origin"),
    "date_of_birth": ("dob", "birth_date", "d_o_b"),
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
}

SCHOOL_TYPES: dict[str, str] = {
    "non_maintained_special": "non_maintained_special",
    "non maintained special school": "non_maintained_special",
    "non maintained special": "non_maintained_special",
    "8": "non_maintained_special",
    "independent_special": "independent_special",
    "other independent special school": "independent_special",
    "independent special school": "independent_special",
    "independent special": "independent_special",
    "10": "independent_special",
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
}

DISTRICT_ALIASES: dict[str, str] = {
    **{d.lower(): d for d in KENT_DISTRICTS},
    "folkestone & hythe": "Folkestone and Hythe",
    "shepway": "Folkestone and Hythe",
    "tonbridge & malling": "Tonbridge and Malling",
    "out of area": OUT_OF_AREA,
    "out of county": OUT_OF_AREA,
    "ooa": OUT_OF_AREA,
    "outside kent": OUT_OF_AREA,
}

HOME_DISTRICT_ALIASES: dict[str, str] = {
    **{d.lower(): d for d in KENT_DISTRICTS},
    "folkestone & hythe": "Folkestone and Hythe",
    "shepway": "Folkestone and Hythe",
    "tonbridge & malling": "Tonbridge and Malling",
    "outside kent": OUTSIDE_KENT,
    "out of county": OUTSIDE_KENT,
    "out of area": OUTSIDE_KENT,
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
}

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
}


def normalise_header(header: object) -> str:
    """Lower-case a header and turn punctuation and runs of spaces into single underscores.

    >>> normalise_header("  Primary Need ")
    'primary_need'
    >>> normalise_header("D.O.B.")
    'd_o_b'
    """
    text = str(header).replace("\u00a0", " ").strip().lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def normalise_label(value: str) -> str:
    """Normalise a code or label for lookup: lower case, punctuation to spaces, one space.

    >>> normalise_label("Social, Emotional & Mental-Health ")
    'social emotional mental health'
    """
    text = value.replace("\u00a0", " ").lower().replace("&", " ")
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    return " ".join(w for w in words if w != "and")


def label_lookup(mapping: dict[str, str], *canonical: str) -> dict[str, str]:
    """Build a lookup keyed by normalised label; canonical values map to themselves."""
    lookup = {normalise_label(k): v for k, v in mapping.items()}
    for value in (*mapping.values(), *canonical):
        lookup.setdefault(normalise_label(value), value)
    return lookup


def header_lookup() -> dict[str, str]:
    """Map every accepted normalised header (canonical names included) to its canonical name."""
    lookup = {name: name for name in CANONICAL_COLUMNS}
    for canonical, aliases in HEADER_ALIASES.items():
        for alias in aliases:
            lookup.setdefault(alias, canonical)
    return lookup
