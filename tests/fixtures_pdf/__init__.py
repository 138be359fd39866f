"""Builders of PDF fixtures made at test time (reportlab, built-in CID font: no font file needed)."""
