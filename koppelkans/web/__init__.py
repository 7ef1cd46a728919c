"""The web application: Jinja2 pages with small ES modules over the register's API, and the map (MapLibre
GL JS, vendored into `static/vendor` by `make vendor` from the npm registry; no CDN at run time).

`koppelkans.web.routes` holds the router and the static files the API app mounts; this package itself
imports nothing, so that `koppelkans.web.legend` (the map's colours) can be used without the web stack.
"""
