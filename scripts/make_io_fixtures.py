#!/usr/bin/env python3
"""Writes the I/O fixtures under test/fixtures/io_* (CI needs no Python).

Run from anywhere:  python3 scripts/make_io_fixtures.py   (needs numpy and `npx tsx`).

1. .npy files written by numpy in several dtypes, byte orders, orders, versions and
   ranks, plus files readNpy must reject; io_npy_expected.json records, per file, the
   shape, dtype and the float64 bits (hex, C order) numpy gives for
   `arr.astype(np.float64)`, or the text the error message must contain.
2. CSV and NPY written by OUR code (src/io/csv.ts formatCsv, src/io/npy.ts writeNpy,
   run through `npx tsx`) are read back with numpy.loadtxt(..., delimiter=',',
   skiprows=1) and numpy.load and compared bit for bit; the outcome is recorded in
   io_numpy_check.json, and the files are kept so the TypeScript tests can check that
   our writers still produce exactly these bytes (i.e. that the check is not stale).
3. A CSV written by numpy.savetxt (fmt '%.17g', header '# x0,x1,x2,w') that parseCsv /
   parseParticlesCsv must read bit-exactly.
"""

import io
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from numpy.lib import format as npformat

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "test", "fixtures")
os.makedirs(FIX, exist_ok=True)


def bits(a):
    """float64 bits of `a` in C order, as 16-digit hex strings."""
    f = np.ascontiguousarray(np.asarray(a, dtype=np.float64)).ravel(order="C")
    return [format(int(u), "016x") for u in f.view(np.uint64)]


def save(name, arr, version=None):
    path = os.path.join(FIX, name)
    with open(path, "wb") as fh:
        if version is None:
            np.save(fh, arr, allow_pickle=False)
        else:
            npformat.write_array(fh, arr, version=version, allow_pickle=False)
    return path


SPECIAL = np.array(
    [
        0.1 + 0.2, -0.0, 5e-324, 1e308,
        np.nan, np.inf, -np.inf, 2.2250738585072014e-308,
        2.225073858507201e-308, -1.5, 1.0 / 3.0, 1.7976931348623157e308,
    ],
    dtype=np.float64,
)

rng = np.random.default_rng(20240601)
expected = {}


def case(name, arr, version=None, note=""):
    save(name, arr, version)
    expected[name] = {
        "shape": list(arr.shape),
        "dtype": arr.dtype.str,
        "fortran_order": bool(arr.flags.f_contiguous and not arr.flags.c_contiguous),
        "version": list(version) if version else None,
        "bits": bits(arr),
        "note": note,
    }


# --- float64 ---------------------------------------------------------------------------
case("io_f8_c.npy", SPECIAL.reshape(4, 3), note="<f8 C order, NaN/inf/-0/subnormals")
case("io_f8_be_fortran.npy", np.asfortranarray(rng.normal(size=(3, 4)).astype(">f8")), note=">f8 Fortran order")
case("io_f8_fortran_3d.npy", np.asfortranarray(np.arange(24, dtype="<f8").reshape(2, 3, 4)), note="3-d Fortran order")
case("io_f8_1d.npy", rng.normal(size=5), note="1-d")
case("io_f8_0d.npy", np.array(2.5), note="0-d")
case("io_f8_empty.npy", np.zeros((0, 3)), note="shape (0, 3)")
case("io_f8_v2.npy", SPECIAL.reshape(3, 4), version=(2, 0), note="format 2.0")
case("io_f8_v3.npy", SPECIAL.reshape(6, 2), version=(3, 0), note="format 3.0")
# --- float32 / float16 ------------------------------------------------------------------
f4 = np.array([0.1, -0.0, 1e-45, 3.4028235e38, np.nan, np.inf, -np.inf, -2.5], dtype="<f4").reshape(4, 2)
case("io_f4_le.npy", f4, note="<f4")
case("io_f4_be.npy", f4.astype(">f4"), note=">f4")
case("io_f4_be_fortran.npy", np.asfortranarray(f4.astype(">f4")), note=">f4 Fortran")
case("io_f2_le.npy", np.array([0.1, -0.0, 6e-8, 65504, np.inf, -1.5], dtype="<f2").reshape(3, 2), note="<f2")
# --- integers ---------------------------------------------------------------------------
i4 = np.array([0, -1, 2**31 - 1, -(2**31), 7, -7], dtype="<i4").reshape(3, 2)
case("io_i4_le.npy", i4, note="<i4")
case("io_i4_be.npy", i4.astype(">i4"), note=">i4")
i8 = np.array([0, -1, 2**53 + 1, -(2**63), 2**63 - 1, 12345678901234567], dtype="<i8").reshape(2, 3)
case("io_i8_le.npy", i8, note="<i8, values beyond 2^53 round like astype(float64)")
case("io_i8_be.npy", i8.astype(">i8"), note=">i8")
case("io_i2_be.npy", np.array([-32768, 32767, 1], dtype=">i2"), note=">i2")
case("io_u1.npy", np.array([[0, 1, 255], [128, 7, 9]], dtype="|u1"), note="|u1")
case("io_u8_le.npy", np.array([0, 2**64 - 1, 2**53 + 1], dtype="<u8"), note="<u8")
case("io_b1.npy", np.array([True, False, True]), note="|b1")

# --- files readNpy must reject ----------------------------------------------------------
rejects = {}
with open(os.path.join(FIX, "io_object.npy"), "wb") as fh:
    np.save(fh, np.array([1, "a", None], dtype=object), allow_pickle=True)
rejects["io_object.npy"] = ["|O", "object arrays"]
save("io_complex.npy", np.array([1 + 2j, 3 - 4j], dtype="<c16"))
rejects["io_complex.npy"] = ["<c16", "unsupported dtype"]
save("io_unicode.npy", np.array(["ab", "cde"], dtype="<U3"))
rejects["io_unicode.npy"] = ["<U3", "unsupported dtype"]
save("io_structured.npy", np.zeros(2, dtype=[("x", "<f8"), ("y", "<i4")]))
rejects["io_structured.npy"] = ["structured"]
save("io_datetime.npy", np.array(["2024-01-01"], dtype="datetime64[D]"))
rejects["io_datetime.npy"] = ["<M8[D]", "unsupported dtype"]
buf = io.BytesIO()
np.save(buf, np.arange(6, dtype="<f8"))
with open(os.path.join(FIX, "io_truncated.npy"), "wb") as fh:
    fh.write(buf.getvalue()[:-5])
rejects["io_truncated.npy"] = ["43 data bytes", "48 bytes", "truncated data"]

with open(os.path.join(FIX, "io_npy_expected.json"), "w") as fh:
    json.dump({"numpy": np.__version__, "files": expected, "rejects": rejects}, fh, indent=1)
    fh.write("\n")

# --- our writers, read back by numpy ----------------------------------------------------
n = 120
u = rng.integers(0, 2**64, size=(n, 3), dtype=np.uint64, endpoint=False)
X = u.view(np.float64).copy()
X[~np.isfinite(X)] = 1.0  # random bit patterns: every exponent, many subnormals
finite_special = SPECIAL[np.isfinite(SPECIAL)]
X.flat[: len(finite_special)] = finite_special
X[10] = [1e21, 1e-7, 123456789012345680000.0]
X[11] = [-5e-324, 4.9406564584124654e-324 * 3, 9007199254740993.0]
X[12] = [0.1, 0.2, 0.30000000000000004]
w = rng.random(n)
w /= w.sum()
values = {"n": n, "d": 3, "X": bits(X), "w": bits(w)}

with tempfile.TemporaryDirectory() as tmp:
    vpath = os.path.join(tmp, "values.json")
    with open(vpath, "w") as fh:
        json.dump(values, fh)
    csv_out = os.path.join(FIX, "io_formatted.csv")
    npy_out = os.path.join(FIX, "io_written_by_ts.npy")
    ts = os.path.join(tmp, "write.ts")
    src = os.path.join(ROOT, "src", "io")
    with open(ts, "w") as fh:
        fh.write(
            f"""
import {{ readFileSync, writeFileSync }} from 'node:fs';
import {{ formatCsv }} from {json.dumps(os.path.join(src, 'csv.ts'))};
import {{ writeNpy }} from {json.dumps(os.path.join(src, 'npy.ts'))};
const v = JSON.parse(readFileSync({json.dumps(vpath)}, 'utf8'));
const fromBits = (h: string[]) => {{
  const b = new BigUint64Array(h.map((s) => BigInt('0x' + s)));
  return new Float64Array(b.buffer);
}};
const X = fromBits(v.X);
const w = fromBits(v.w);
writeFileSync({json.dumps(csv_out)}, formatCsv(X, v.d, {{ w }}));
writeFileSync({json.dumps(npy_out)}, writeNpy(X, [v.n, v.d]));
"""
        )
    subprocess.run(["npx", "tsx", ts], cwd=ROOT, check=True)

back = np.loadtxt(csv_out, delimiter=",", skiprows=1)
want = np.concatenate([X, w[:, None]], axis=1)
csv_mismatch = int(np.sum(back.view(np.uint64) != want.view(np.uint64)))
with open(csv_out) as fh:
    header = fh.readline().strip()
arr = np.load(npy_out)
npy_ok = arr.dtype.str == "<f8" and arr.shape == (n, 3) and bool(np.all(arr.view(np.uint64) == X.view(np.uint64)))
with open(npy_out, "rb") as fh:
    raw = fh.read()
data_offset = len(raw) - X.nbytes
check = {
    "numpy": np.__version__,
    "values": "io_csv_values.json",
    "csv": {
        "file": "io_formatted.csv",
        "read_with": "numpy.loadtxt(path, delimiter=',', skiprows=1)",
        "header": header,
        "shape": list(back.shape),
        "mismatched_bits": csv_mismatch,
        "bit_identical": csv_mismatch == 0,
    },
    "npy": {
        "file": "io_written_by_ts.npy",
        "read_with": "numpy.load(path)",
        "data_offset": data_offset,
        "data_offset_multiple_of_64": data_offset % 64 == 0,
        "bit_identical": npy_ok,
    },
}
with open(os.path.join(FIX, "io_csv_values.json"), "w") as fh:
    json.dump(values, fh)
    fh.write("\n")
with open(os.path.join(FIX, "io_numpy_check.json"), "w") as fh:
    json.dump(check, fh, indent=1)
    fh.write("\n")

# --- a CSV written by numpy.savetxt -----------------------------------------------------
S = np.concatenate([X[:20], w[:20, None]], axis=1)
np.savetxt(os.path.join(FIX, "io_numpy_savetxt.csv"), S, fmt="%.17g", delimiter=",", header="x0,x1,x2,w", comments="# ")
with open(os.path.join(FIX, "io_numpy_savetxt.json"), "w") as fh:
    json.dump({"shape": list(S.shape), "columns": ["x0", "x1", "x2", "w"], "bits": bits(S)}, fh)
    fh.write("\n")

print(json.dumps(check, indent=1))
if csv_mismatch or not npy_ok:
    sys.exit("round trip through numpy is NOT bit-identical")
