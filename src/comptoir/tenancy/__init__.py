"""Tenancy: which firm, or which client company, a request acts in.

Above the domains of ``firms``, ``accounts`` and ``companies`` (it reads their memberships and
API tokens) and below every page and endpoint:

- ``contexts``: ``TenantContext``, how a request's context is resolved, chosen and remembered;
- ``permissions``: the view decorators (outside one's context 404, without the role 403);
- ``api``: the API's authentication (tokens, session) and its context (headers, pinned tokens);
- ``context_processors``: the current context and the context switcher, for the layout.
"""
