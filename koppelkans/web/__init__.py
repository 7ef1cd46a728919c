"""The web application: server-rendered pages, the map and the lists."""
