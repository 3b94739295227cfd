"""What every synthetic sample generator shares: fictional name parts, the ethnicity mix and
two ways of drawing counts. No real pupil, school or place data is here."""

from __future__ import annotations

import numpy as np

from pipeline.vocabulary import ETHNIC_GROUP_ORDER

ETHNICITIES: tuple[str, ...] = ETHNIC_GROUP_ORDER
ETHNICITY_P = np.array([80.0, 6.0, 3.0, 4.0, 1.5, 5.5]) / 100

NAME_STEMS = (
    "Alder",
    "Birch",
    "Bramble",
    "Cedar",
    "Elder",
    "Fern",
    "Hazel",
    "Holly",
    "Juniper",
    "Larch",
    "Linden",
    "Maple",
    "Rowan",
    "Willow",
    "Yew",
    "Heather",
    "Wren",
    "Lark",
    "Kestrel",
    "Heron",
    "Otter",
    "Sorrel",
    "Teasel",
    "Clover",
    "Beacon",
    "Chalk",
    "Flint",
    "Merlin",
    "Thistle",
    "Quince",
    "Medlar",
    "Tansy",
)
NAME_ENDINGS = (
    "brook",
    "mead",
    "dene",
    "hurst",
    "combe",
    "ley",
    "croft",
    "holme",
    "lea",
    "vale",
    "bury",
    "wick",
    "stow",
    "gate",
    "thorpe",
    "worth",
)


def exact_counts(weights: np.ndarray, n: int) -> np.ndarray:
    """Integer counts summing to ``n`` in proportion to ``weights`` (largest remainder)."""
    raw = weights / weights.sum() * n
    counts = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: n - counts.sum()]] += 1
    return counts


def choose(rng: np.random.Generator, probs: np.ndarray, n: int) -> np.ndarray:
    """``n`` independent draws of an index with probabilities ``probs`` (normalised here)."""
    cum = np.cumsum(probs / probs.sum())
    return np.minimum((rng.random(n)[:, None] > cum).sum(axis=1), len(probs) - 1)
