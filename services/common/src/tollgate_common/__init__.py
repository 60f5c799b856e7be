"""Tollgate's one shared library.

Settings, structured logging, OpenTelemetry set-up, gRPC server and channel helpers, structured
errors, the tenant model and registry, credential sealing and the shared-state stores. Every service
builds on these modules; none of them knows about any particular service.
"""
