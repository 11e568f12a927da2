"""Serving wbpolicy to a browser, to HTTP clients and to AI assistants.

* :mod:`.service` -- one loaded :class:`~wbpolicy.index.Index` per process, the library calls
  that the CLI's ``--json`` makes and the same ``.to_json()`` serialisers, behind one lock;
* :mod:`.app` -- the FastAPI application factory, errors as JSON, the per-request time limit;
* :mod:`.api` -- the JSON API routes (``/openapi.json`` documents them);
* :mod:`.pages` -- PDF pages rendered to PNG with the quoted text boxes highlighted;
* :mod:`.web` and :mod:`.views` -- the analyst's page at ``/`` (server-rendered HTML);
* :mod:`.mcp_server` -- the Model Context Protocol server over stdio.

Nothing here imports FastAPI, uvicorn, mcp or the PDF libraries at package import time.
"""
