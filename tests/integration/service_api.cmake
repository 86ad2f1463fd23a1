# The local HTTP API of zt-service (docs/service.md, "Local API").
