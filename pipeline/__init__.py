"""Reproducible committee appendices for INMSS placement snapshots."""

__version__ = "0.1.0"
