"""Reproducible committee appendices for INMSS placement snapshots."""

__version__ = "0.1.0"

#: Hidden notebook outputs through which an appendix hands its figures and published tables to
#: the renderer (kept here, in the lightest module, so the renderer need not import the
#: appendix and its plotting stack to read them).
FIGURES_MIMETYPE = "application/vnd.inmss.figures+json"
TABLES_MIMETYPE = "application/vnd.inmss.tables+json"
