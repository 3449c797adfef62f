"""Checks: a Dutch sentence and its English in, the reasons not to trust the English out."""
