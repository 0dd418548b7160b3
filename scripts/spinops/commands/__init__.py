"""One module per CLI command (see spinops.cli)."""
