"""The gateway: cadence's inbound and people-facing service.

One ASGI app (Starlette, served by Uvicorn) with an inbound SMTP listener beside
it. It keeps no state of its own that matters and reaches leads only through
the client API (:mod:`cadence.client`), so several gateways can run behind a
load balancer. Nothing below it imports it.
"""
