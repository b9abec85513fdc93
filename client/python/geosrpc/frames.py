"""GeoPandas-shaped helpers: compute_frame, sjoin, sjoin_nearest.

They keep what GeoPandas keeps: the input's index, its other columns and
its CRS. GeoPandas (0.12 or later) is needed only here, imported on use.

Thread-safety: pure functions of their arguments; safe from any number of
threads (as the Client is).
"""

from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np


def _geopandas():
    try:
        import geopandas
        import pandas
    except ImportError:
        raise ImportError("this helper needs GeoPandas (Debian: "
                          "python3-geopandas)") from None
    return geopandas, pandas


def compute_frame(client, frame, op: str, b, column: Optional[str],
                  timeout, params: Dict[str, Any]):
    """See Client.compute_frame."""
    gpd, pd = _geopandas()
    series = frame if isinstance(frame, gpd.GeoSeries) else frame.geometry
    info = client.list_operations().get(op)
    if info is not None and (info.expands or info.reduces):
        raise ValueError(f"'{op}' does not give one value per row: use "
                         "compute()")
    result = client.compute(op, series, b, params=params, timeout=timeout)
    errors = {series.index[row]: error
              for row, error in result.errors.items()}
    if result.values.dtype == object and _is_geometry(client, op):
        values = gpd.GeoSeries(result.geometries(), index=series.index,
                               crs=series.crs, name=series.name)
        if isinstance(frame, gpd.GeoSeries):
            out = values
        else:
            out = frame.copy()
            out[frame.geometry.name] = values
    else:
        values = result.values
        if values.ndim == 2:  # bounds: one column each, as GeoPandas names.
            names = ["minx", "miny", "maxx", "maxy"]
            values = pd.DataFrame(values, index=series.index, columns=names)
        else:
            values = pd.Series(values, index=series.index,
                               name=column or op)
        if isinstance(frame, gpd.GeoSeries):
            out = values
        else:
            out = frame.copy()
            if isinstance(values, pd.DataFrame):
                for name in values:
                    out[name] = values[name]
            else:
                out[column or op] = values
    out.attrs["geosrpc_errors"] = errors
    return out


def _is_geometry(client, op: str) -> bool:
    from geosrpc.v1 import geometry_service_pb2 as pb
    info = client.list_operations().get(op)
    return info is not None and info.result_type == pb.RESULT_TYPE_GEOMETRY


def _joined(left, right, indices: np.ndarray, how: str, lsuffix: str,
            rsuffix: str, distances: Optional[np.ndarray] = None,
            distance_col: Optional[str] = None):
    """left's rows (repeated per pair) with right's columns: GeoPandas'
    sjoin layout, "index_<rsuffix>" holding right's index labels."""
    gpd, pd = _geopandas()
    if how not in ("inner", "left"):
        raise ValueError(f"how='{how}': only 'inner' and 'left' are offered")
    l_rows, r_rows = indices[0], indices[1]
    if how == "left":
        # Rows of left without a pair keep one row, with no right values.
        unmatched = np.setdiff1d(np.arange(len(left)), l_rows)
        l_rows = np.concatenate([l_rows, unmatched])
        r_rows = np.concatenate([r_rows, np.full(len(unmatched), -1)])
        if distances is not None:
            distances = np.concatenate([distances,
                                        np.full(len(unmatched), np.nan)])
        order = np.argsort(l_rows, kind="stable")
        l_rows, r_rows = l_rows[order], r_rows[order]
        if distances is not None:
            distances = distances[order]
    geometry = left.geometry.name
    right_columns = [c for c in right.columns if c != right.geometry.name]
    left_part = left.iloc[l_rows]
    right_data = right[right_columns].reset_index(drop=True)
    right_index = pd.Series(right.index).reset_index(drop=True)
    missing = r_rows < 0
    take = np.where(missing, 0, r_rows)
    right_part = right_data.iloc[take].reset_index(drop=True) if len(right) \
        else pd.DataFrame(index=range(len(take)), columns=right_columns)
    index_right = (right_index.iloc[take].reset_index(drop=True) if len(right)
                   else pd.Series([None] * len(take)))
    if missing.any():
        right_part = right_part.astype(object)
        right_part[missing] = None
        index_right = index_right.astype(object)
        index_right[missing] = np.nan
    clash = set(left.columns) & set(right_columns)
    left_names = {c: f"{c}_{lsuffix}" for c in clash}
    right_names = {c: f"{c}_{rsuffix}" for c in clash}
    out = left_part.rename(columns=left_names)
    index_name = f"index_{rsuffix}"
    out[index_name] = index_right.to_numpy()
    for c in right_columns:
        out[right_names.get(c, c)] = right_part[c].to_numpy()
    if distance_col is not None and distances is not None:
        out[distance_col] = distances
    return gpd.GeoDataFrame(out, geometry=left_names.get(geometry, geometry),
                            crs=left.crs)


def sjoin(client, left, right, how: str, predicate: str, lsuffix: str,
          rsuffix: str, distance: Optional[float], timeout):
    """See Client.sjoin."""
    indices = client.join(left.geometry, set=right.geometry,
                          predicate=predicate, distance=distance,
                          timeout=timeout)
    return _joined(left, right, indices, how, lsuffix, rsuffix)


def sjoin_nearest(client, left, right, how: str, max_distance, lsuffix: str,
                  rsuffix: str, distance_col: Optional[str], exclusive: bool,
                  timeout):
    """See Client.sjoin_nearest."""
    indices, distances = client.nearest(
        left.geometry, set=right.geometry, k=1, max_distance=max_distance,
        return_distance=True, exclusive=exclusive, all_matches=True,
        timeout=timeout)
    return _joined(left, right, indices, how, lsuffix, rsuffix, distances,
                   distance_col)
