"""The demo: believable data (``comptoir seed-demo``) and the local runner (``comptoir rundemo``).

- ``data``: deterministic French company names, valid SIRETs, fiscal years, the demo logins.
- ``seed``: the idempotent seed, one function per part (``SEED_STEPS``).
- ``sinks``: local stand-ins for the outside world (an SMTP server that keeps every e-mail).
- ``supervisor``: starts the web server and the worker, and stops them together.
- ``oidc_provider``: the OpenID Connect provider of the demo firm with single sign-on.
- ``deliveries``, ``receiver``, ``store``, ``assignments``, ``sso``: each app's demo data and
  stand-ins (the HTTPS partners' receiver is ``receiver``).
"""
