#!/usr/bin/env python3
# Writes Tests/FaceIngestTests/Fixtures/face_recognition_reference.json: boxes and descriptors of the shared photos
# computed independently of the project by the Python face_recognition package (see the fixture README).
# Usage: python face_recognition_descriptors.py obama.jpg two_people.jpg > .../face_recognition_reference.json
# Independent reference: face_recognition (dlib's Python bindings, built from PyPI source against OpenBLAS).
import json, os, sys, face_recognition, dlib, numpy as np
PHOTOS = os.environ.get("PHOTOS", os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/data/photos"))
out = {"produced_by": f"face_recognition 1.3.0 + dlib {dlib.__version__} (PyPI source build, OpenBLAS), "
       "face_locations(img, number_of_times_to_upsample=1, model='hog') then face_encodings(img, locations, num_jitters=1, model='small')",
       "images": {}}
for name in sys.argv[1:]:
    img = face_recognition.load_image_file(PHOTOS + "/" + name)
    locs = face_recognition.face_locations(img, number_of_times_to_upsample=1)
    encs = face_recognition.face_encodings(img, locs, num_jitters=1, model="small")
    out["images"][name] = [{"box": [l, t, r, b], "descriptor": [round(float(x), 7) for x in e]} for (t, r, b, l), e in zip(locs, encs)]
print(json.dumps(out))
