"""The protocol double's own behaviour, kept out of the product.

NemoVideo's cloud does things a local engine has no reason to do: it ends some edits without a
word, tells the user to "click Export", answers errors as HTTP 200 and renders in another
envelope, and refuses exports on a free plan. Clients must cope with all of it, so the engine
can imitate it — but only under ``NEMO_ENGINE_PROFILE=cloud``. ``faults`` adds injected
failures (cut streams, slow turns, transient 503s) for the client's tests. The ``local``
profile, the default a user runs, does none of this.

- ``options``: the profile and its option values (read from ``NEMO_ENGINE_*``).
- ``quirks``: the cloud's wording habits, applied to a finished turn plan.
- ``asgi``: answer rewriting and fault injection as ASGI middleware, around the routes.

Nothing outside this package names a quirk or a fault.
"""
