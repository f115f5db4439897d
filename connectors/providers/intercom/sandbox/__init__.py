"""A stand-in for Intercom served by the portal itself, for development and tests.

Mounted at /sandbox/intercom/ only when SANDBOX_ENABLED (every view also 404s when
it is off). Intercom's paths, relative to settings.SANDBOX_BASE_URL:

- GET/POST /oauth: consent page (client_id, state, redirect_uri) -> code or access_denied
- POST /auth/eagle/token: code exchange; refresh grant for apps with expiring tokens
- GET /me, POST /auth/uninstall: Bearer token, Intercom's shapes and error.list codes

Control API (JSON, CSRF-exempt):

- GET  /_control/workspaces, GET/POST /_control/workspaces/<id_code>
- GET  /_control/tokens[?workspace=&client_id=], GET/POST /_control/tokens/<id or prefix>
  POST body: {"mode": "<a mode>", "latency_ms": 0,
  "rate_limit_reset_in": 60, "timeout_seconds": 30}. Modes: ok, 401 (unauthorized),
  token_unauthorized, token_suspended, 403 (forbidden), api_plan_restricted, 402, 429,
  500, 502_html, 503_html, 401_empty, slow, silent; "revoked" revokes for good.
  GET answers the state plus counters: me_calls, last_me_at, last_me_at_unix.
- GET/POST /_control/sandbox {"mode": "401"}: a sandbox-wide mode every `/me` answers,
  whatever the workspace or token (an Intercom-wide incident); "ok" ends it.
- POST /_control/reset: every control back to normal (the sandbox-wide mode too),
  counters to zero.
- POST /_control/apps {"name", "redirect_uris": [...], "expiring_tokens", ...}
  -> 201 {"client_id", "client_secret", ...}
- GET  /_control/apps/<client_id> -> {"installed_in": [<id_code>, ...], "uninstall_url",
  "rate_limit"}; POST {"uninstall_url": "..."} sets where uninstall notices go, and
  {"rate_limit": N} the app's calls per 10-second window (default 1666, Intercom's
  10,000 a minute): every `/me` reports it in X-RateLimit-Limit, the window's calls left
  in X-RateLimit-Remaining and its end in X-RateLimit-Reset, and a call over it answers
  429 rate_limit_exceeded, as Intercom's Rate Limiting page describes
- POST /_control/workspaces/<id_code>/uninstall {"client_id"}: the workspace uninstalls
  the app (its tokens die) and a signed notice (X-Hub-Signature) goes to its uninstall URL
- POST /_control/apps/<client_id>/access-token {"workspace": "<id_code>"}
  -> {"access_token"}: an internal integration's token (the hub's Authentication page)
"""
