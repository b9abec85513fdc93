"""Python client for geosrpc: vectorized GEOS operations over gRPC.

    import geosrpc
    from shapely.geometry import Point
    with geosrpc.Client("127.0.0.1:50051") as client:
        # Geometries as users hold them: Shapely objects (1.8 or 2.x), WKB,
        # WKT, GeoJSON dicts, a GeoSeries or GeoDataFrame, numpy points.
        polys = client.buffer([Point(0, 0), Point(5, 5)], 1,
                              cap_style="flat").geometries()
        result = client.distance(numpy.random.rand(1000, 2), "POINT (0.5 0.5)")
        result.values      # numpy float64 array, NaN where result.mask is set
        result.errors      # {row: (grpc.StatusCode, "why")} for failed rows

        # GeoPandas: index, properties and CRS kept.
        buffered = client.compute_frame(gdf, "buffer", radius=10)
        joined = client.sjoin(gdf, other, predicate="within")

        # numpy coordinates in and out, no per-row encoding (GeoArrow's
        # layout): Shapely's creation functions and ragged arrays.
        pts = client.points(numpy.random.rand(1000, 2)).geometries()
        inside = client.contains_xy(polygon, xs, ys).values
        kind, coords, offsets = client.to_ragged_array(polys)

        # Spatial joins, in Shapely's STRtree forms.
        pairs = client.join(points, set=polygons, predicate="within")
        pairs, dist = client.nearest(points, set=points, k=2,
                                     exclusive=True, return_distance=True)
"""

from geosrpc._coordinates import CoordinateBatch
from geosrpc._inputs import Batch, as_batch, batch, points
from geosrpc.client import (
    Client,
    ComputeError,
    JoinResult,
    Result,
    set_digest,
)

__all__ = ["Batch", "Client", "ComputeError", "CoordinateBatch", "JoinResult",
           "Result", "as_batch", "batch", "points", "set_digest"]
