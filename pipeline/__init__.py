"""Reproducible committee appendices for INMSS placement snapshots."""

__version__ = "0.1.0"

#: Hidden notebook outputs through which an appendix hands its figures and published tables to
#: the renderer (kept here, in the lightest module, so the renderer need not import the
#: appendix and its plotting stack to read them).
FIGURES_MIMETYPE = "application/vnd.inmss.figures+json"
TABLES_MIMETYPE = "application/vnd.inmss.tables+json"
#: The charts as shown, each with its words, SVG and PNG (for the Word document and the
#: charts/ folder authors paste from).
CHARTS_MIMETYPE = "application/vnd.inmss.charts+json"
#: The true values of the figures disclosure control hides, for the render's words audit
#: only (``pipeline.prose``): they stay in the executed notebook under internal/ and are
#: never published.
HIDDEN_FIGURES_MIMETYPE = "application/vnd.inmss.hidden-figures+json"
