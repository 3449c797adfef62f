"""Intake: sources in (files, tables, pages, feeds), checked Dutch `Article`s out."""
