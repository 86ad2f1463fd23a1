# zt-cli against a stub API and against zt-service (docs/cli.md).
