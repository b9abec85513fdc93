"""Python client for geosrpc: vectorized GEOS operations over gRPC.

    import numpy as np, geosrpc
    with geosrpc.Client("127.0.0.1:50051") as client:
        points = geosrpc.points(np.random.rand(1000, 2))
        result = client.compute("distance", points, b="POINT (0.5 0.5)")
        result.values      # numpy float64 array, NaN where result.mask is set
        result.mask        # True for rows that failed
        result.messages    # {row: "why"} for those rows

        # Spatial joins, in Shapely's STRtree forms.
        pairs = client.join(points, set=["POLYGON ((0 0, 1 0, 1 1, 0 0))"],
                            predicate="within")      # (2, n) int64
        pairs, dist = client.nearest(points, set=points, k=2,
                                     exclusive=True, return_distance=True)
"""

from geosrpc.client import (
    Batch,
    Client,
    ComputeError,
    JoinResult,
    Result,
    batch,
    points,
    set_digest,
)

__all__ = ["Batch", "Client", "ComputeError", "JoinResult", "Result", "batch",
           "points", "set_digest"]
