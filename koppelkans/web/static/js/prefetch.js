// Ask the server for the tiles of the map's first view while the map library is still starting: the
// server builds (and caches) them in the meantime, and the map's own requests find them ready. The
// view is computed as MapLibre's fitBounds does (512-pixel tiles, 24-pixel padding). A classic script,
// run as soon as the map's container is laid out.
(function prefetchFirstView() {
  const config = JSON.parse(document.getElementById("koppelkans-config").textContent);
  const container = document.getElementById("map");
  const [west, south, east, north] = config.extent;
  const mercator = (lon, lat) => [(lon + 180) / 360, (1 - Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360)) / Math.PI) / 2];
  const [x0, y1] = mercator(west, south);
  const [x1, y0] = mercator(east, north);
  const width = container.clientWidth;
  const height = container.clientHeight;
  if (!width || !height) return;
  const zoom = Math.min(Math.log2((width - 48) / ((x1 - x0) * 512)), Math.log2((height - 48) / ((y1 - y0) * 512)), 19);
  const z = Math.max(0, Math.floor(zoom));
  const scale = 512 * 2 ** zoom;
  const [cx, cy] = [(x0 + x1) / 2, (y0 + y1) / 2];
  const tiles = 2 ** z;
  const range = (centre, half) => [Math.max(0, Math.floor((centre - half) * tiles)), Math.min(tiles - 1, Math.floor((centre + half) * tiles))];
  const [tx0, tx1] = range(cx, width / 2 / scale);
  const [ty0, ty1] = range(cy, height / 2 / scale);
  const layers = config.user.public ? ["works"] : ["works", "areas", "tasks", ...(z >= 13 ? ["segments"] : [])];
  for (const layer of layers) {
    for (let x = tx0; x <= tx1; x += 1) {
      for (let y = ty0; y <= ty1; y += 1) fetch(`/tiles/${layer}/${z}/${x}/${y}.pbf`).catch(() => {});
    }
  }
})();
