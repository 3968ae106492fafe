"""Index mappings, kept as JSON files next to this module (one file per index)."""
