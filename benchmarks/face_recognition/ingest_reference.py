#!/usr/bin/env python3
"""The anchor for `secla-bench ingest`: the Python face_recognition package on the same photos.

Reads a list of photo paths (one per line) from --list, and for each: face_recognition.load_image_file,
face_locations(img, number_of_times_to_upsample=U, model="hog"), face_encodings(img, locations, model="small")
(what `secla ingest` computes: HOG, 5-point landmarks, ResNet descriptor). With --processes P > 1 the photos are
split over P worker processes (multiprocessing, as face_recognition's own CLI does with --cpus). Prints one JSON
object: timings (model loading apart from processing) and every face's box and descriptor.

Needs face_recognition, dlib (built from PyPI's source package against the installed OpenBLAS: the `dlib-bin`
wheel has no BLAS) and face-recognition-models(-ng); see benchmarks/face_recognition/README.md.
"""
import argparse, json, multiprocessing as mp, os, sys, time

_models_loaded = None


def _load():
    global _models_loaded
    t = time.perf_counter()
    import face_recognition  # loads the detector, landmark and descriptor models
    _models_loaded = face_recognition
    return time.perf_counter() - t


def _process(args):
    path, upsample = args
    fr = _models_loaded
    img = fr.load_image_file(path)
    locations = fr.face_locations(img, number_of_times_to_upsample=upsample, model="hog")
    encodings = fr.face_encodings(img, locations, num_jitters=1, model="small")
    return path, [{"box": [l, t, r, b], "descriptor": [float(x) for x in e]} for (t, r, b, l), e in zip(locations, encodings)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--list", required=True, help="file with one photo path per line")
    ap.add_argument("--upsample", type=int, default=1)
    ap.add_argument("--processes", type=int, default=1)
    a = ap.parse_args()
    paths = [p for p in open(a.list).read().splitlines() if p]
    load = _load()
    import dlib
    start = time.perf_counter()
    if a.processes > 1:
        with mp.get_context("fork").Pool(a.processes) as pool:
            results = pool.map(_process, [(p, a.upsample) for p in paths], chunksize=1)
    else:
        results = [_process((p, a.upsample)) for p in paths]
    seconds = time.perf_counter() - start
    json.dump({"tool": f"face_recognition {getattr(_models_loaded, '__version__', '?')} + dlib {dlib.__version__}"
               f" (BLAS {'on' if dlib.DLIB_USE_BLAS else 'off'}, AVX {'on' if getattr(dlib, 'USE_AVX_INSTRUCTIONS', False) else 'off'})",
               "processes": a.processes, "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
               "load_seconds": load, "seconds": seconds, "photos": len(paths),
               "faces": sum(len(f) for _, f in results), "results": dict(results)}, sys.stdout)


if __name__ == "__main__":
    main()
