"""Test and benchmark fixtures (a random Marian model, the stand-in, corruptions).

Never imported by runtime code."""
