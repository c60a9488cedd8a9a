"""Builds the hostile layer-zip corpus; see scripts/make-hostile-corpus."""
