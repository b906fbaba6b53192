"""R8 on real photographs: after the production pipeline no face is recognisable.

The photos are real ones with people that ship inside installed packages (the labels,
faces and persons, are committed in ``tests/data/real_faces.json``, the images are loaded
from the packages). Per image, after ``anpr detector blur`` (exactly what a worker does):

- under 20% of each labelled face's detail is kept (variance of the Laplacian inside
  the face box, after / before);
- OpenCV's Haar cascade, a face detector the pipeline does not use (Viola-Jones,
  shipped by Debian's ``opencv-data``), finds no face in the output, while it finds
  one of the labelled faces in the original (so it can fail; the labels say on which
  photos it does);
- hardly a pixel of any labelled person's box is left unchanged.

And the face source alone holds: with the photo declared one earned vehicle (a plate
that passes the plate check at its place, so the surroundings source keeps everything
sharp) and no other source, every face is still blurred. Sharp regions are earned: a
plate box must pass the plate check, a vehicle box must hold such a plate.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from detector import realphotos
from detector.blur import BlurConfig, Detection, blur, plate_reasons, sharp_regions
from detector.ocr import Read

#: Every real photo with people that the installed packages ship (scripts/install installs
#: them all, the optional ones too: mahotas, Debian's opencv-doc), each a test.
LABELS = realphotos.labels()
IDS = [Path(im["path"]).stem + (f"-{im['frame']}" if "frame" in im else "") for im in LABELS]
HAAR = Path("/usr/share/opencv4/haarcascades/haarcascade_frontalface_alt2.xml")
MAX_DETAIL = 0.2


def every_crop_a_plate(crops):
    """A plate reader that reads a Dutch plate in every crop: declares a region earned."""
    return [Read("GN1233", 0.99) for _ in crops]


def _image_path(label: dict, tmp_path: Path) -> Path:
    """The photo as a file the blur command reads: the package's own, or a video's
    labelled frame written losslessly."""
    path = realphotos.image_path(label)
    assert path is not None, (f"{label['package']} does not ship {label['path']} here "
                              "(scripts/install installs it)")
    if "frame" not in label:
        return path
    out = tmp_path / f"{path.stem}-{label['frame']}.png"
    assert cv2.imwrite(str(out), _load(label))
    return out


def _load(label: dict) -> np.ndarray:
    img = realphotos.load(label)
    assert img is not None, (f"{label['package']} does not ship {label['path']} here "
                             "(scripts/install installs it)")
    assert [img.shape[1], img.shape[0]] == label["size"]
    return img


def _detail(img: np.ndarray, box) -> float:
    x1, y1, x2, y2 = box
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float64)
    return float(cv2.Laplacian(gray, cv2.CV_64F)[y1:y2, x1:x2].var())


def _haar() -> cv2.CascadeClassifier:
    assert HAAR.is_file(), ("the independent face check needs OpenCV's Haar cascades: "
                            "apt-get install opencv-data")
    c = cv2.CascadeClassifier(str(HAAR))
    assert not c.empty()
    return c


def _haar_faces(img: np.ndarray) -> list:
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    return [tuple(int(v) for v in r) for r in
            _haar().detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(20, 20))]


def _overlaps(rect, box) -> bool:
    x, y, w, h = rect
    x1, y1, x2, y2 = box
    return min(x + w, x2) > max(x, x1) and min(y + h, y2) > max(y, y1)


def _assert_no_face_left(label: dict, before: np.ndarray, after: np.ndarray) -> dict:
    found = _haar_faces(before)
    # where the check finds a face in the original it must find none afterwards; where it
    # does not (a profile), the label says so and the detail figure judges alone
    assert any(_overlaps(r, b) for r in found for b in label["faces"]) \
        == label["haar_finds_a_face_before"], found
    kept = [round(_detail(after, b) / _detail(before, b), 4) for b in label["faces"]]
    unchanged = [round(float((after[b[1]:b[3], b[0]:b[2]] == before[b[1]:b[3], b[0]:b[2]])
                             .all(axis=2).mean()), 4) for b in label["faces"]]
    figures = {"detail_kept": kept, "pixels_unchanged": unchanged, "haar_after": _haar_faces(after)}
    assert not kept or max(kept) < MAX_DETAIL, figures   # a crowd's tiny faces: unlabelled
    assert not figures["haar_after"], figures
    return figures


@pytest.mark.parametrize("label", LABELS, ids=IDS)
def test_the_production_pipeline_leaves_no_face_recognisable(label, tmp_path):
    from cli.main import main

    src = _image_path(label, tmp_path)
    out = tmp_path / "blurred.png"   # lossless, so the figures are the pipeline's own
    r = CliRunner().invoke(main, ["detector", "blur", str(src), str(out), "--explain"])
    assert r.exit_code == 0, r.output
    report = json.loads(r.output[r.output.index("{"):])
    assert "face" in report["sources"]
    before, after = _load(label), cv2.imread(str(out))
    figures = _assert_no_face_left(label, before, after)
    # every labelled person is blurred: hardly a pixel of their box is left as it was
    assert label["persons"]
    for x1, y1, x2, y2 in label["persons"]:
        same = (after[y1:y2, x1:x2] == before[y1:y2, x1:x2]).all(axis=2).mean()
        assert same < 0.05, (label["path"], (x1, y1, x2, y2), same)
    # nothing on a photo of people is kept sharp as a plate: no region reads as one
    assert not [r for r in report["regions"] if r["cls"] == "plate" and r["sharp"]], report["regions"]
    explain = cv2.imread(report["explain"])
    assert explain is not None and explain.shape == after.shape
    print(Path(label["path"]).name, figures, "blurred share", report["blurred_share"])


def _earned_whole(img: np.ndarray) -> list[Detection]:
    """A vehicle filling the photo with a plate at its foot: the photo is earned sharp."""
    h, w = img.shape[:2]
    pw = 0.16 * w
    return [Detection("vehicle", 0.9, (0.0, 0.0, float(w), float(h))),
            Detection("plate", 0.9, (0.5 * w - pw / 2, 0.9 * h, 0.5 * w + pw / 2,
                                     0.9 * h + pw / 3))]


#: Photos whose faces the face source alone does not all find. basketball1.png: the man at
#: the right edge is a head turned away (a three-quarter rear view: hair, ear and the edge
#: of a cheek, no eye, nose or mouth). No face detector shipped in a package here finds it
#: (MTCNN at any threshold down to 0.3; BlazeFace's four models; dlib's HOG and CNN;
#: OpenCV's Haar and LBP profile cascades, mirrored too). In production the photo is
#: blurred whole (surroundings), so the head is not left sharp there; inside an earned
#: vehicle it is left to the person sources (our model's person boxes, HOG).
FACE_SOURCE_MISSES = {"basketball1"}


@pytest.mark.parametrize("label", [
    pytest.param(im, marks=pytest.mark.xfail(
        strict=True, reason="the face source misses a head turned away (FACE_SOURCE_MISSES)"))
    if i in FACE_SOURCE_MISSES else im for im, i in zip(LABELS, IDS)], ids=IDS)
def test_the_face_source_alone_blurs_faces_inside_an_earned_sharp_region(label):
    img = _load(label)
    dets = _earned_whole(img)
    config = BlurConfig(cabin=False)
    regions = sharp_regions(dets, img, config, plates=every_crop_a_plate)
    assert all(r.sharp for r in regions), regions       # the whole photo is earned sharp
    # the dither seeded, so the test repeats (over many dithers: the test below)
    res = blur(img, dets, config=config, plates=every_crop_a_plate,
               rng=np.random.default_rng(0))
    # what blurred it is the face source alone (a face filling the frame: most of it)
    assert res.sources["face"].any() or not label["faces"]
    assert not [k for k, m in res.sources.items() if k != "face" and m.any()], res.sources
    _assert_no_face_left(label, img, res.image)


@pytest.mark.parametrize("label", LABELS, ids=IDS)
def test_no_dither_of_a_coarsened_face_is_found_again(label):
    """R8's "no face found afterwards" must hold whatever the dither: 40 seeds of the face
    source alone (the photo earned sharp), the face detector asked once per photo. With
    faces coarsened into five blocks across (the rule before), the Haar checker found a
    "face" on messi5.jpg in 4 of 40 (the shirt's crest, whose window the blurred face's
    edge cuts)."""
    from detector.faces import default_face_detector

    img = _load(label)
    boxes = default_face_detector()(img)

    def once(image):   # the whole photo is sharp: one full-resolution pass, this photo
        assert image.shape == img.shape
        return boxes

    dets = _earned_whole(img)
    config = BlurConfig(cabin=False)
    found = {seed: f for seed in range(40) if (f := realphotos.haar_faces(blur(
        img, dets, config=config, plates=every_crop_a_plate, faces=once,
        rng=np.random.default_rng(seed)).image))}
    assert found == {}, found


def test_sharp_regions_are_earned():
    shape = (480, 640)
    vehicle = (200.0, 180.0, 440.0, 420.0)
    plate = (290.0, 370.0, 350.0, 385.0)
    cfg = BlurConfig()

    frame = np.zeros(shape + (3,), np.uint8)

    def kept(dets, plates=every_crop_a_plate):
        return {(r.cls, r.box): r.sharp for r in sharp_regions(dets, frame, cfg, plates=plates)}

    good = kept([Detection("vehicle", 0.9, vehicle), Detection("plate", 0.9, plate)])
    assert good == {("vehicle", vehicle): True, ("plate", plate): True}
    # a plate must read as a Dutch plate (a side-code), with confidence; given only the
    # frame's shape there is nothing to read, and nothing is earned
    pair = [Detection("vehicle", 0.9, vehicle), Detection("plate", 0.9, plate)]
    for reads in (lambda crops: [Read("COMOHOPPER", 0.99)] * len(crops),
                  lambda crops: [Read("", 0.99)] * len(crops),
                  lambda crops: [Read("GN1233", 0.2)] * len(crops)):
        assert kept(pair, reads) == {("vehicle", vehicle): False, ("plate", plate): False}
    assert not any(r.sharp for r in sharp_regions(pair, shape, cfg))
    # a vehicle without a plate, or with its plate where no plate sits (a strip over the
    # eyes of a head the model calls a vehicle), is not kept
    assert kept([Detection("vehicle", 0.9, vehicle)]) == {("vehicle", vehicle): False}
    high = (290.0, 200.0, 350.0, 215.0)
    assert kept([Detection("vehicle", 0.9, vehicle), Detection("plate", 0.9, high)])[
        ("vehicle", vehicle)] is False
    # plates that are no plates: too small, a square, a third of the frame wide
    assert plate_reasons((10, 10, 20, 14), shape)
    assert plate_reasons((100, 100, 160, 160), shape)
    assert plate_reasons((0, 300, 300, 360), shape)
    assert not plate_reasons(plate, shape)
    tiny = (300.0, 375.0, 310.0, 379.0)
    assert kept([Detection("vehicle", 0.9, vehicle), Detection("plate", 0.9, tiny)]) == {
        ("vehicle", vehicle): False, ("plate", tiny): False}
    # what is not earned is blurred: nothing earned, the whole frame
    img = np.random.default_rng(0).integers(0, 255, (480, 640, 3), dtype=np.uint8)
    res = blur(img, [Detection("vehicle", 0.9, vehicle)], faces=lambda image: [])
    assert res.mask.all()


def test_without_its_face_detector_the_pipeline_refuses(tmp_path):
    """Fail closed: with facenet-pytorch not importable, ``anpr detector blur`` writes
    nothing and says why, and ``blur`` raises rather than return an unexamined photo."""
    src = _image_path(LABELS[0], tmp_path)
    out = tmp_path / "out.jpg"
    code = ("import sys; sys.modules['facenet_pytorch'] = None\n"
            "from cli.main import main\n"
            f"main(['detector', 'blur', {str(src)!r}, {str(out)!r}])\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert p.returncode != 0 and not out.exists(), p.stdout + p.stderr
    assert "facenet-pytorch" in p.stdout + p.stderr

    def broken(image):
        raise RuntimeError("face detector failed")

    with pytest.raises(RuntimeError):
        blur(_load(LABELS[0]), [], faces=broken)


def test_the_face_source_finds_faces_that_fill_the_frame():
    """scikit-image ships 100 faces from Labeled Faces in the Wild, cut to 25x25 px (and
    100 crops without a face): a face filling a small frame, the case where our own model
    is weakest. The face source must find nearly all of them."""
    from detector.faces import default_face_detector

    spec = importlib.util.find_spec("skimage")
    assert spec is not None and spec.submodule_search_locations, "scikit-image (dev extra)"
    crops = np.load(Path(next(iter(spec.submodule_search_locations))) / "data" / "lfw_subset.npy")
    assert crops.shape == (200, 25, 25)
    faces = default_face_detector()
    found = [len(faces(cv2.cvtColor((c * 255).astype(np.uint8), cv2.COLOR_GRAY2BGR))) > 0
             for c in crops]
    recall, false = sum(found[:100]) / 100, sum(found[100:]) / 100
    print(f"LFW 25x25: face recall {recall:.2f}, crops without a face blurred {false:.2f}")
    assert recall >= 0.95


def test_small_faces_inside_a_small_sharp_region_are_found_at_full_resolution():
    """The face source's second pass: most of the frame is blurred by the surroundings,
    an earned vehicle box keeps a region around the two men's faces (45 px: too small
    for the low-resolution pass) sharp, and they are blurred all the same."""
    label = next(im for im in LABELS if im["path"] == "assets/bus.jpg")
    img = _load(label)
    vehicle = (60.0, 300.0, 400.0, 700.0)
    plate = (187.0, 636.0, 273.0, 664.0)
    dets = [Detection("vehicle", 0.9, vehicle), Detection("plate", 0.9, plate)]
    config = BlurConfig(cabin=False)
    assert all(r.sharp for r in sharp_regions(dets, img, config, plates=every_crop_a_plate))
    res = blur(img, dets, config=config, plates=every_crop_a_plate)
    assert (res.sources["surroundings"] > 0).mean() > 0.5     # the two-pass case
    for x1, y1, x2, y2 in label["faces"]:
        assert (res.sources["face"][y1:y2, x1:x2] > 0).all()
    _assert_no_face_left(label, img, res.image)
    without = blur(img, dets, config=BlurConfig(cabin=False, faces=False),
                   plates=every_crop_a_plate)
    assert min(_detail(without.image, b) / _detail(img, b) for b in label["faces"]) > 0.9


def test_blur_command_applies_the_cameras_settings(database_url, monkeypatch, tmp_path):
    """``--camera`` blurs as the worker would for that camera: here one exempt from the
    surroundings source, where only the face source (and the model's) protect the faces;
    an unknown camera is refused. The model's person boxes are held to a score of 0.9 so
    that the test sees the camera's setting, not the model: the shipped model boxes most
    of this real photo as persons at scores of 0.05-0.5 (docs/detector.md, its limits),
    which blurs it whole with or without the surroundings source."""
    import psycopg

    from cli.main import main
    from conftest import add_test_camera, remove_test_cameras
    from detector.cameras import set_surroundings

    camera = "DET-FACE-CAM"
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ANPR_DETECTOR_PERSON_CONF", "0.9")
    with psycopg.connect(database_url, autocommit=True) as c:
        add_test_camera(c, "DET-LOC-FACE", "detector face test", camera, lon=5.5, lat=52.5)
    try:
        with psycopg.connect(database_url) as c:
            set_surroundings(c, camera, enabled=False, actor="test")
        label = next(im for im in LABELS if im["path"] == "assets/bus.jpg")
        out = tmp_path / "out.png"
        runner = CliRunner()
        r = runner.invoke(main, ["detector", "blur", str(_image_path(label, tmp_path)), str(out),
                                 "--camera", camera])
        assert r.exit_code == 0, r.output
        report = json.loads(r.output[r.output.index("{"):])
        assert report["camera"] == camera and "surroundings" not in report["sources"]
        assert report["blurred_share"] < 0.9                    # most of the frame kept
        _assert_no_face_left(label, _load(label), cv2.imread(str(out)))
        r = runner.invoke(main, ["detector", "blur", str(_image_path(label, tmp_path)), str(out),
                                 "--camera", "NO-SUCH-CAM"])
        assert r.exit_code == 1 and "NO-SUCH-CAM" in r.output
    finally:
        remove_test_cameras(database_url, ["DET-LOC-FACE"])


def test_the_face_detector_looks_only_where_regions_say_and_sees_faces_reaching_in():
    """The second pass's call: with regions, MTCNN finds the faces that reach into them
    (here a strip across the chins of the two men of bus.jpg: each face is mostly outside
    it) as a call on the whole frame does, and nothing elsewhere; calls side by side
    (``many``) find what calls one by one find. Torch's thread count is left as found."""
    import torch

    from detector.faces import default_face_detector

    label = next(im for im in LABELS if im["path"] == "assets/bus.jpg")
    img = _load(label)
    faces = default_face_detector()

    def hits(boxes):
        return [any(_overlaps((b[0], b[1], b[2] - b[0], b[3] - b[1]), f) for b in boxes)
                for f in label["faces"]]

    before = torch.get_num_threads()
    whole = faces(img)
    assert torch.get_num_threads() == before
    chins = (90.0, 462.0, 330.0, 476.0)
    inside = faces(img, regions=[chins], max_face=120)
    assert hits(whole) == hits(inside) == [True, True]
    assert all(b[3] > chins[1] and b[1] < chins[3] for b in inside)   # every face reaches in
    far = (500.0, 900.0, 800.0, 1000.0)
    assert faces(img, regions=[far], max_face=120) == []
    together = faces.many([(img, {"regions": [chins], "max_face": 120}), (img, {"regions": [far]})])
    assert hits(together[0]) == [True, True] and together[1] == []
    assert torch.get_num_threads() == before
    # the low-resolution pass's minimum: faces of 0.3 of their size (~15 px) are under it
    small = cv2.resize(img, None, fx=0.3, fy=0.3, interpolation=cv2.INTER_AREA)
    assert faces(small, min_face=24) == [] and faces(small)


def test_the_real_photo_report_splits_what_the_model_and_the_sources_do(tmp_path):
    """``anpr detector eval --real``: per photo the production figures, the same pipeline
    without the surroundings source (with and without the face source) and what the model
    itself says about each face and person; a photo whose package is missing is listed as
    not installed, never measured as blurred. The card leads with the figures."""
    from detector.detect import Detector
    from detector.realphotos import LABELS as REAL, evaluate_real
    from detector.train import SHIPPED_MODEL, write_card
    from detector.worker import blur_config_for
    from anpr import settings as settings_mod

    absent = tmp_path / "absent.json"
    absent.write_text(json.dumps({"images": [{
        "package": "debian:no-such-package", "path": "/nonexistent/photo.jpg", "size": [10, 10],
        "faces": [[1, 1, 5, 5]], "persons": [[0, 0, 9, 9]], "haar_finds_a_face_before": False}]}))
    report = evaluate_real(Detector(SHIPPED_MODEL), blur_config_for(settings_mod.load({})),
                           label_files=(REAL, absent))
    assert report["not_installed"] == ["debian:no-such-package:/nonexistent/photo.jpg"]
    measured = realphotos.labels((REAL,))
    assert report["met"] and report["faces"] == sum(len(im["faces"]) for im in measured)
    assert report["persons"] == sum(len(im["persons"]) for im in measured)
    blurred = report["faces_blurred"]
    assert blurred["production"] == report["faces"] >= blurred["without_surroundings"] \
        >= blurred["without_surroundings_and_faces"]
    assert report["min_person_blurred"] >= 0.95
    model = report["model"]
    assert 0 <= model["faces_covered_by_person_boxes"] <= report["faces"]
    assert 0 <= model["faces_boxed_as_vehicle_or_plate"] <= report["faces"]
    for row in report["images"][:-1]:
        assert len(row["without_surroundings_and_faces"]["detail_kept"]) == row["faces"]
        assert len(row["model"]["faces_boxed_as"]) == row["faces"]
    card = tmp_path / "m.pt"
    card.write_bytes(b"")
    write_card(card, {"model": "m.pt", "version": "m@0", "architecture": "a", "classes": {0: "plate"},
                      "created": "now", "data": {}, "training": {}, "real_photos": report,
                      "evaluation_hard_cases": {"images": 150}})
    md = card.with_suffix(".md").read_text()
    assert md.index("Real photographs") < md.index("## Data") and "(package not installed)" in md
    assert "Held-out hard cases" in md
