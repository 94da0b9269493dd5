"""The edges: HTTP routes (`*_http.py`, `http.py`), event registration (`events.py`) and the JSON
views (`*views.py`). Thin: they parse, call the service layer and shape the reply."""
