"""Measure a model as tolk runs it: its scores on a test set, its speed settings per CPU, and
the vocabulary shortlist its own translations call for.

Above `compose` in the import order: each measurement runs the same code as `tolk run`.
"""
