"""scikit-learn side of the kernel benchmarks (k-means Lloyd iterations, PCA).

Reads the same row-major float64 matrices the Node side times (written by
bench/matrices.ts), runs the workload best of --repeats, and prints one JSON
object on stdout.

    python3 bench/sklearn_kernels.py kmeans --data X.f64 --centroids C.f64 --n N --d D --k K --iters M --repeats R
    python3 bench/sklearn_kernels.py pca --data X.f64 --n N --d D --repeats R
    python3 bench/sklearn_kernels.py info
"""

import argparse
import json
import resource
import sys
import time

import numpy as np


def load(path: str, rows: int, cols: int) -> np.ndarray:
    return np.fromfile(path, dtype="<f8", count=rows * cols).reshape(rows, cols)


def kmeans(args: argparse.Namespace) -> dict:
    from sklearn.cluster import KMeans

    X = load(args.data, args.n, args.d)
    C = load(args.centroids, args.k, args.d)
    best_fit = float("inf")
    n_iter = 0
    inertia = float("nan")
    for _ in range(args.repeats):
        # tol=0: only identical labels stop a run early, as in segmenta's fitFromCentroids(tol: 0).
        model = KMeans(n_clusters=args.k, init=C, n_init=1, max_iter=args.iters, tol=0, algorithm="lloyd")
        start = time.perf_counter()
        model.fit(X)
        elapsed = time.perf_counter() - start
        if elapsed / model.n_iter_ < best_fit:
            best_fit = elapsed / model.n_iter_
            n_iter = int(model.n_iter_)
            inertia = float(model.inertia_)
    result = {"fit_ms_per_iter": best_fit * 1000, "n_iter": n_iter, "inertia": inertia}
    # The bare Lloyd step scikit-learn's fit loops over (a private module, so
    # this may be missing in other versions): the kernel-to-kernel comparison.
    try:
        from sklearn.cluster._k_means_lloyd import lloyd_iter_chunked_dense
        from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

        threads = _openmp_effective_n_threads()
        weights = np.ones(args.n, dtype=np.float64)
        centers = C.copy()
        centers_new = np.zeros_like(C)
        weight_in_clusters = np.zeros(args.k, dtype=np.float64)
        labels = np.full(args.n, -1, dtype=np.int32)
        center_shift = np.zeros(args.k, dtype=np.float64)
        best_step = float("inf")
        for _ in range(args.repeats):
            start = time.perf_counter()
            for _ in range(args.iters):
                lloyd_iter_chunked_dense(X, weights, centers, centers_new, weight_in_clusters, labels, center_shift, threads, True)
                centers, centers_new = centers_new, centers
            best_step = min(best_step, (time.perf_counter() - start) / args.iters)
        result["step_ms_per_iter"] = best_step * 1000
        result["openmp_threads"] = threads
    except ImportError as error:
        result["step_error"] = str(error)
    return result


def pca(args: argparse.Namespace) -> dict:
    from sklearn.decomposition import PCA

    X = load(args.data, args.n, args.d)
    best_fit = best_fit_transform = float("inf")
    components = 0
    for _ in range(args.repeats):
        start = time.perf_counter()
        model = PCA(n_components=0.9).fit(X)
        best_fit = min(best_fit, time.perf_counter() - start)
        start = time.perf_counter()
        scores = PCA(n_components=0.9).fit_transform(X)
        best_fit_transform = min(best_fit_transform, time.perf_counter() - start)
        components = int(scores.shape[1])
    return {
        "fit_ms": best_fit * 1000,
        "fit_transform_ms": best_fit_transform * 1000,
        "components": components,
        "svd_solver": model._fit_svd_solver,
        "explained_variance_ratio": [float(v) for v in model.explained_variance_ratio_],
    }


def info() -> dict:
    import pandas
    import sklearn

    result = {"python": sys.version.split()[0], "numpy": np.__version__, "pandas": pandas.__version__, "sklearn": sklearn.__version__}
    try:
        from threadpoolctl import threadpool_info

        result["threadpools"] = [
            {k: pool.get(k) for k in ("internal_api", "version", "architecture", "threading_layer", "num_threads", "filepath")}
            for pool in threadpool_info()
        ]
    except ImportError:
        result["threadpools"] = None
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="scikit-learn kernel benchmarks")
    parser.add_argument("workload", choices=["kmeans", "pca", "info"])
    parser.add_argument("--data")
    parser.add_argument("--centroids")
    parser.add_argument("--n", type=int)
    parser.add_argument("--d", type=int)
    parser.add_argument("--k", type=int)
    parser.add_argument("--iters", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if args.workload == "info":
        result = info()
    else:
        result = kmeans(args) if args.workload == "kmeans" else pca(args)
        result["peak_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(result))


if __name__ == "__main__":
    main()
