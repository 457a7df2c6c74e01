"""The reference pipeline: what an analyst writes in a notebook instead of segmenta.

pandas read_csv -> cleaning -> the same RFM and behavioural features as
segmenta's default clustering set -> log1p -> StandardScaler -> PCA(0.9) ->
KMeans(k, n_init) -> customers with their segment written to CSV.

Written the plain, idiomatic way (vectorised pandas, scikit-learn defaults),
not tuned: the benchmark compares segmenta with what people actually run.

Usage:
    python3 bench/reference_pipeline.py --input FILE.csv --out DIR [--k 6] [--n-init 10] [--seed 42]

Prints one JSON object on stdout: rows, customers, k, inertia, milliseconds
per stage, peak RSS (ru_maxrss), and the numpy / pandas / scikit-learn
versions with the BLAS threadpoolctl reports.
"""

import argparse
import json
import os
import resource
import sys
import time

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

# The same non-product codes segmenta's cleaning drops (src/rules/cleaning.ts).
NON_PRODUCT_CODES = {"POST", "DOT", "M", "C2", "D", "S", "B", "BANK CHARGES", "AMAZONFEE", "CRUK", "PADS"}

# segmenta's default clustering features (src/segments/features.ts,
# DEFAULT_CLUSTER_FEATURES) and which of them get log1p.
FEATURES = [
    "recency_days",
    "frequency",
    "revenue",
    "avg_order_value",
    "tenure_days",
    "distinct_products",
    "units_per_order",
    "return_rate",
]
LOG1P = {"frequency", "revenue", "avg_order_value", "distinct_products", "units_per_order"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--k", type=int, default=6)
    parser.add_argument("--n-init", type=int, default=10)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    timings = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = round((now - clock) * 1000)
        clock = now

    # --- read
    df = pd.read_csv(
        args.input,
        dtype={"InvoiceNo": str, "StockCode": str, "Description": str, "CustomerID": str, "Country": str},
        parse_dates=["InvoiceDate"],
    )
    rows_read = len(df)
    lap("read")

    # --- clean
    df = df.dropna(subset=["CustomerID"])
    df = df.drop_duplicates()
    df = df[~df["StockCode"].str.upper().isin(NON_PRODUCT_CODES)]
    df = df[(df["UnitPrice"] > 0) & (df["Quantity"] != 0)]
    df["is_return"] = df["InvoiceNo"].str.startswith("C") | (df["Quantity"] < 0)
    df["line_value"] = (df["Quantity"] * df["UnitPrice"]).abs()
    as_of = df["InvoiceDate"].max().normalize()
    rows_used = len(df)
    lap("clean")

    # --- features (per customer; returns are netted against purchases)
    purchases = df[~df["is_return"]]
    orders = purchases.groupby(["CustomerID", "InvoiceNo"]).agg(
        order_date=("InvoiceDate", "min"), gross=("line_value", "sum"), units=("Quantity", "sum")
    )
    customers = orders.groupby(level="CustomerID").agg(
        frequency=("gross", "size"),
        first_order=("order_date", "min"),
        last_order=("order_date", "max"),
        gross=("gross", "sum"),
        units=("units", "sum"),
    )
    returned = df[df["is_return"]].groupby("CustomerID")["line_value"].sum()
    returned = returned.reindex(customers.index, fill_value=0.0)
    customers["recency_days"] = (as_of - customers["last_order"].dt.normalize()).dt.days
    customers["revenue"] = customers["gross"] - returned
    customers["avg_order_value"] = customers["gross"] / customers["frequency"]
    customers["tenure_days"] = (as_of - customers["first_order"].dt.normalize()).dt.days
    customers["distinct_products"] = purchases.groupby("CustomerID")["StockCode"].nunique()
    customers["units_per_order"] = customers["units"] / customers["frequency"]
    customers["return_rate"] = returned / customers["gross"]
    lap("features")

    # --- transform: log1p (signed, as net revenue can be negative), scale, PCA
    X = customers[FEATURES].astype(float).copy()
    for name in LOG1P:
        X[name] = np.sign(X[name]) * np.log1p(X[name].abs())
    scaled = StandardScaler().fit_transform(X.values)
    pca = PCA(n_components=0.9, random_state=args.seed)
    scores = pca.fit_transform(scaled)
    lap("transform")

    # --- cluster
    kmeans = KMeans(n_clusters=args.k, n_init=args.n_init, random_state=args.seed, algorithm="lloyd")
    customers["segment"] = kmeans.fit_predict(scores)
    lap("cluster")

    # --- write
    os.makedirs(args.out, exist_ok=True)
    customers[["segment", *FEATURES]].to_csv(os.path.join(args.out, "customers.csv"))
    lap("write")

    print(
        json.dumps(
            {
                "rows_read": rows_read,
                "rows_used": rows_used,
                "customers": len(customers),
                "components": int(pca.n_components_),
                "k": args.k,
                "inertia": float(kmeans.inertia_),
                "n_iter": int(kmeans.n_iter_),
                "timings_ms": timings,
                "total_ms": sum(timings.values()),
                # Linux reports ru_maxrss in KiB.
                "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "versions": versions(),
            }
        )
    )


def versions() -> dict:
    """numpy, pandas and scikit-learn versions and the BLAS / OpenMP libraries threadpoolctl finds."""
    import sklearn

    info = {"python": sys.version.split()[0], "numpy": np.__version__, "pandas": pd.__version__, "sklearn": sklearn.__version__}
    try:
        from threadpoolctl import threadpool_info

        info["threadpools"] = [
            {k: pool.get(k) for k in ("internal_api", "version", "architecture", "threading_layer", "num_threads")}
            for pool in threadpool_info()
        ]
    except ImportError:
        info["threadpools"] = None
    return info


if __name__ == "__main__":
    main()
