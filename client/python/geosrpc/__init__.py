"""Python client for geosrpc: vectorized GEOS operations over gRPC.

    import numpy as np, geosrpc
    with geosrpc.Client("127.0.0.1:50051") as client:
        points = geosrpc.points(np.random.rand(1000, 2))
        result = client.compute("distance", points, b="POINT (0.5 0.5)")
        result.values      # numpy float64 array, NaN where result.mask is set
        result.mask        # True for rows that failed
        result.messages    # {row: "why"} for those rows
"""

from geosrpc.client import (
    Batch,
    Client,
    ComputeError,
    Result,
    batch,
    points,
)

__all__ = ["Batch", "Client", "ComputeError", "Result", "batch", "points"]
