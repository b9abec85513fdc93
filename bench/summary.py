"""Tables for bench/run.sh's join, nearest, PostGIS and transform sections.

    summary.py SECTION RESULTS

RESULTS holds one JSON object a line, as run.sh's `record` writes them:
{"section", "w" (workers or threads), "kind", "r" (a program's JSON line)}.
Every figure printed is the best (lowest time) over the rounds of its kind;
ratios are taken between those bests, measured in the same run.
"""

import json
import sys
from collections import defaultdict


def load(path, section):
    rows = defaultdict(list)  # (w, kind) -> [r, ...]
    with open(path) as f:
        for line in f:
            rec = json.loads(line)
            if rec["section"] == section:
                rows[(rec["w"], rec["kind"])].append(rec["r"])
    return rows


def best(rows, w, kind, field, pick=min):
    values = [r[field] for r in rows.get((w, kind), []) if r.get(field)]
    return pick(values) if values else float("nan")


def first_call(rows, w, kind, field):
    values = [r[field][0] for r in rows.get((w, kind), []) if r.get(field)]
    return min(values) if values else float("nan")


def answers(rows, kinds=None):
    seen = defaultdict(set)
    for (w, kind), rs in rows.items():
        if kinds and kind not in kinds:
            continue
        for r in rs:
            if "pairs" in r:
                seen[(r["pairs"], r["pair_hash"])].add(kind)
    return seen


def print_answers(rows, kinds=None):
    seen = answers(rows, kinds)
    if not seen:
        return
    if len(seen) == 1:
        (pairs, digest), who = next(iter(seen.items()))
        print("pairs: %d, the same pairs (digest %d) from %s"
              % (pairs, digest, ", ".join(sorted(who))))
    else:
        print("WARNING: the answers differ:")
        for (pairs, digest), who in sorted(seen.items()):
            print("  %d pairs, digest %d: %s" % (pairs, digest, ", ".join(sorted(who))))


def workers(rows):
    return sorted({w for (w, _) in rows})


def ratio(a, b):
    return a / b if b == b and b > 0 else float("nan")


def join(rows):
    print("%-7s %10s | %8s %6s %8s | %8s %8s %8s %6s %8s"
          % ("workers", "inproc_s", "layer_s", "x", "first_s",
             "sent:1st", "index_s", "digest_s", "x", "resent_s"))
    for w in workers(rows):
        inp = best(rows, w, "inprocess", "join_s")
        lay = best(rows, w, "layer", "held_s")
        dig = best(rows, w, "sent", "held_s")
        print("%-7d %10.3f | %8.3f %5.2fx %8.3f | %8.3f %8.3f %8.3f %5.2fx %8.3f"
              % (w, inp, lay, ratio(inp, lay),
                 first_call(rows, w, "layer", "held_calls_s"),
                 best(rows, w, "sent", "cold_s"),
                 best(rows, w, "sent", "cold_index_s"), dig, ratio(inp, dig),
                 best(rows, w, "sent", "resend_s")))
    print("CPU seconds (every thread; service: server + client), the same runs:")
    print("%-7s %10s | %8s %6s | %8s %6s"
          % ("workers", "inproc", "layer", "x", "digest", "x"))
    for w in workers(rows):
        inp = best(rows, w, "inprocess", "cpu_s")
        lay = best(rows, w, "layer", "held_cpu_s")
        dig = best(rows, w, "sent", "held_cpu_s")
        print("%-7d %10.3f | %8.3f %5.2fx | %8.3f %5.2fx"
              % (w, inp, lay, ratio(inp, lay), dig, ratio(inp, dig)))
    ws = workers(rows)
    if len(ws) > 1:
        lo, hi = ws[0], ws[-1]
        print("speed-up %d->%d workers: in-process %.2fx, layer %.2fx, digest %.2fx, sent (first call) %.2fx"
              % (lo, hi,
                 ratio(best(rows, lo, "inprocess", "join_s"), best(rows, hi, "inprocess", "join_s")),
                 ratio(best(rows, lo, "layer", "held_s"), best(rows, hi, "layer", "held_s")),
                 ratio(best(rows, lo, "sent", "held_s"), best(rows, hi, "sent", "held_s")),
                 ratio(best(rows, lo, "sent", "cold_s"), best(rows, hi, "sent", "cold_s"))))
    print("in-process index build (decode the countries, STRtree): %.3f s"
          % best(rows, ws[0], "inprocess", "index_s"))
    print_answers(rows)


def nearest(rows):
    print("%-7s %10s | %8s %6s | %9s %6s | %8s %8s"
          % ("workers", "inproc_s", "ties_s", "x", "noties_s", "x", "sent:1st", "index_s"))
    for w in workers(rows):
        inp = best(rows, w, "inprocess", "nearest_s")
        ties = best(rows, w, "ties", "held_s")
        noties = best(rows, w, "noties", "held_s")
        print("%-7d %10.3f | %8.3f %5.2fx | %9.3f %5.2fx | %8.3f %8.3f"
              % (w, inp, ties, ratio(inp, ties), noties, ratio(inp, noties),
                 first_call(rows, w, "ties", "cold_calls_s"),
                 best(rows, w, "ties", "cold_index_s")))
    print("CPU seconds (every thread; service: server + client), the same runs:")
    print("%-7s %10s | %8s %6s | %9s %6s" % ("workers", "inproc", "ties", "x", "noties", "x"))
    for w in workers(rows):
        inp = best(rows, w, "inprocess", "cpu_s")
        ties = best(rows, w, "ties", "held_cpu_s")
        noties = best(rows, w, "noties", "held_cpu_s")
        print("%-7d %10.3f | %8.3f %5.2fx | %9.3f %5.2fx"
              % (w, inp, ties, ratio(inp, ties), noties, ratio(inp, noties)))
    ws = workers(rows)
    if len(ws) > 1:
        lo, hi = ws[0], ws[-1]
        print("speed-up %d->%d workers: in-process %.2fx, ties %.2fx, no ties %.2fx"
              % (lo, hi,
                 ratio(best(rows, lo, "inprocess", "nearest_s"), best(rows, hi, "inprocess", "nearest_s")),
                 ratio(best(rows, lo, "ties", "held_s"), best(rows, hi, "ties", "held_s")),
                 ratio(best(rows, lo, "noties", "held_s"), best(rows, hi, "noties", "held_s"))))
    print_answers(rows)


def postgis(rows):
    explain = best(rows, 0, "sql", "explain_s")
    e2e = best(rows, 0, "sql", "e2e_s")
    ws = [w for w in workers(rows) if w > 0]
    svc = best(rows, ws[-1], "layer", "held_s") if ws else float("nan")
    print("PostGIS server-side %.3f s, end to end %.3f s; service (layer, %s workers) %.3f s"
          % (explain, e2e, ws[-1] if ws else "?", svc))
    print("service faster than PostGIS: %.1fx end to end, %.1fx against PostGIS's server-side time"
          % (ratio(e2e, svc), ratio(explain, svc)))
    sql = rows.get((0, "answer"), [{}])[0]
    if len(answers(rows, {"answer", "layer"})) == 1:
        print_answers(rows, {"answer", "layer"})
        return
    print("pairs: PostGIS %s, the service %s: %s of the countries are invalid (ST_IsValid),"
          % (sql.get("pairs"), best(rows, ws[-1], "layer", "pairs", max) if ws else "?",
             sql.get("invalid", "?")))
    print(" and the two read points in invalid (multi)polygons differently; with the")
    print(" countries made valid (ST_MakeValid, polygons kept), PostGIS and in-process GEOS:")
    print_answers(rows, {"valid_answer", "valid_inprocess"})


def transform(rows):
    """Kinds: points_svc / points_inproc (random points to EPSG:3857),
    countries_svc / countries_inproc (the countries to LAEA Europe), the
    in-process WKB-to-WKB loops (*_inproc_wkb), and the points as coordinate
    arrays: points_svc_coords / points_inproc_coords, and the same points
    and the countries sent as slices on one ComputeStream:
    points_svc_coords_sliced, countries_svc_sliced; the *_iso_* kinds are
    the same runs isolated (server and in-process loop on W cores of their
    own, the client on the others)."""
    print("%-7s | %10s %10s %6s %9s | %10s %10s %6s %9s"
          % ("workers", "points_in", "points_svc", "x", "first_s",
             "ctry_in", "ctry_svc", "x", "first_s"))
    def table(inproc, first_s):
        for w in workers(rows):
            out = ["%-7d" % w]
            for data in ("points", "countries"):
                inp = best(rows, w, data + inproc, "seconds")
                svc = best(rows, w, data + "_svc", "seconds")
                first = ("%9.3f" % best(rows, w, data + "_svc", "first_s")
                         if first_s else "%9s" % "")
                out.append("%10.3f %10.3f %5.2fx %s"
                           % (inp, svc, ratio(inp, svc), first))
            print(" | ".join(out))
    table("_inproc", True)
    if any(k.endswith("_inproc_wkb") for (_, k) in rows):
        print("against in-process WKB to WKB without GEOS (wkb):")
        table("_inproc_wkb", False)
    if any(k == "countries_svc_sliced" for (_, k) in rows):
        print("the countries as 8 batches on one ComputeStream (sliced), against"
              " the in-process WKB loop:")
        print("%-7s | %10s %10s %6s %9s" % ("workers", "ctry_wkb", "sliced", "x",
                                            "1st_chunk"))
        for w in workers(rows):
            inp = best(rows, w, "countries_inproc_wkb", "seconds")
            cut = best(rows, w, "countries_svc_sliced", "seconds")
            print("%-7d | %10.3f %10.3f %5.2fx %9.3f"
                  % (w, inp, cut, ratio(inp, cut),
                     best(rows, w, "countries_svc_sliced", "first_chunk_s")))
    coords = any(k.endswith("_coords") for (_, k) in rows)
    if coords:
        print("points as coordinate arrays (service: sent and answered as coordinates;"
              " in-process: one proj_trans_generic a chunk over an x, y array):")
        sliced = any(k == "points_svc_coords_sliced" for (_, k) in rows)
        print("%-7s | %10s %10s %6s %9s %9s | %16s%s"
              % ("workers", "coords_in", "coords_svc", "x", "first_s",
                 "1st_chunk", "svc wkb/coords",
                 " | %10s %6s %9s" % ("sliced", "x", "1st_chunk")
                 if sliced else ""))
        for w in workers(rows):
            inp = best(rows, w, "points_inproc_coords", "seconds")
            svc = best(rows, w, "points_svc_coords", "seconds")
            line = ("%-7d | %10.3f %10.3f %5.2fx %9.3f %9.3f | %15.2fx"
                    % (w, inp, svc, ratio(inp, svc),
                       best(rows, w, "points_svc_coords", "first_s"),
                       best(rows, w, "points_svc_coords", "first_chunk_s"),
                       ratio(best(rows, w, "points_svc", "seconds"), svc)))
            if sliced:
                cut = best(rows, w, "points_svc_coords_sliced", "seconds")
                line += (" | %10.3f %5.2fx %9.3f"
                         % (cut, ratio(inp, cut),
                            best(rows, w, "points_svc_coords_sliced",
                                 "first_chunk_s")))
            print(line)
    iso = [w for w in workers(rows) if (w, "countries_iso_svc") in rows]
    if iso:
        print("isolated: the server and the in-process loop on the first W cores,"
              " the client on the rest:")
        print("%-7s | %10s %10s %6s | %10s %10s %6s %10s %6s"
              % ("workers", "coords_in", "coords_svc", "x", "ctry_wkb",
                 "ctry_svc", "x", "sliced", "x"))
        for w in iso:
            pin = best(rows, w, "points_iso_inproc_coords", "seconds")
            psv = best(rows, w, "points_iso_svc_coords", "seconds")
            cin = best(rows, w, "countries_iso_inproc_wkb", "seconds")
            csv = best(rows, w, "countries_iso_svc", "seconds")
            cut = best(rows, w, "countries_iso_svc_sliced", "seconds")
            print("%-7d | %10.3f %10.3f %5.2fx | %10.3f %10.3f %5.2fx %10.3f %5.2fx"
                  % (w, pin, psv, ratio(pin, psv), cin, csv, ratio(cin, csv),
                     cut, ratio(cin, cut)))
    print("CPU seconds (in-process: every thread; service: the server):")
    for w in workers(rows):
        line = ("%-7d | points %8.3f in-process, %8.3f server | countries %8.3f in-process, %8.3f server"
                % (w, best(rows, w, "points_inproc", "cpu_s"),
                   best(rows, w, "points_svc", "server_cpu_s"),
                   best(rows, w, "countries_inproc", "cpu_s"),
                   best(rows, w, "countries_svc", "server_cpu_s")))
        if coords:
            line += (" | coordinates %8.3f in-process, %8.3f server"
                     % (best(rows, w, "points_inproc_coords", "cpu_s"),
                        best(rows, w, "points_svc_coords", "server_cpu_s")))
        print(line)
    for data in ("points", "countries"):
        errs = {(k, r.get("errors")) for (w, k), rs in rows.items()
                if k.startswith(data) for r in rs}
        # Result bytes compare within an encoding: WKB, or 16 a point as
        # coordinates.
        sizes = []
        for encoding, is_coords in (("WKB", False), ("coordinate", True)):
            byts = {r.get("bytes") for (w, k), rs in rows.items()
                    if k.startswith(data) and ("_coords" in k) == is_coords
                    for r in rs}
            if byts:
                sizes.append("result %s bytes %s" % (
                    encoding, "the same in all" if len(byts) == 1 else
                    "DIFFER: %s" % sorted(byts)))
        sums = defaultdict(set)  # xy digest -> kinds
        for (w, k), rs in rows.items():
            for r in rs:
                if k.startswith(data) and "xy_sum_milli" in r:
                    sums[r["xy_sum_milli"]].add(k)
        if len(sums) == 1:
            (digest, who), = sums.items()
            sizes.append("xy digest %d from %s" % (digest, ", ".join(sorted(who))))
        elif sums:
            sizes.append("xy digests DIFFER: %s" % "; ".join(
                "%d: %s" % (d, ", ".join(sorted(who)))
                for d, who in sorted(sums.items())))
        print("%s: row errors %s; %s" % (data, sorted(errs), "; ".join(sizes)))


def main():
    section, path = sys.argv[1], sys.argv[2]
    {"join": join, "nearest": nearest, "postgis": postgis,
     "transform": transform}[section](load(path, section))


if __name__ == "__main__":
    main()
