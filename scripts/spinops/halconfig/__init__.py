"""The halconfig: loading (fragments, overlays, positions), the JSON Schema, strict validation."""
