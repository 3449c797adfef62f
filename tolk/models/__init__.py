"""The local model store: finding, pulling, converting and describing models, never loading them."""
