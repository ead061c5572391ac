#!/usr/bin/env python3
"""Regenerates the vendored conformance data from the shared corpus.

Usage, from the repository root (or anywhere: paths are relative to this file by default):

    python3 tests/data/conformance/refresh.py                 # rewrite the vendored copy
    python3 tests/data/conformance/refresh.py --check         # exit 1 if it is out of date
    python3 tests/data/conformance/refresh.py --corpus DIR    # read another corpus folder

The corpus folder (default: `../shared/corpus` beside the repository) holds one folder per
upstream, each with LICENSE, SOURCE_COMMIT, INDEX.tsv and the upstream's fixtures. What is written
here, under `tests/data/conformance/`:

- `pod-security-admission/`: Kubernetes' fixtures repeat the same pods across versions (4,537
  cases, a few hundred distinct pods), so each distinct pod is stored once, named by the first
  12 hex digits of the SHA-256 of its bytes (`pods/<hash>.yaml`), and INDEX.tsv lists every case
  with the pod it reads: columns `case_id level version check expected notes pod file`, where
  `file` is the fixture's upstream path (relative to the upstream corpus folder), kept so that
  a failure names the upstream fixture. `mapped_control` is dropped: it follows from `check`.
- `polaris/`: the fixtures the upstream INDEX.tsv names, copied byte for byte at their upstream
  paths (`test/checks/<check>/...`), with INDEX.tsv unchanged.

Each folder keeps the upstream's LICENSE and SOURCE_COMMIT. Only the standard library is used.
"""

import argparse
import filecmp
import hashlib
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parents[2] / ".." / "shared" / "corpus"
HASH_LEN = 12
PSA = "pod-security-admission"
POLARIS = "polaris"
# The columns of the vendored PSA index, in order.
PSA_COLUMNS = ["case_id", "level", "version", "check", "expected", "notes", "pod", "file"]


def read_tsv(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    rows = []
    for n, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != len(header):
            sys.exit(f"{path}:{n}: {len(fields)} fields, the header has {len(header)}")
        rows.append(dict(zip(header, fields)))
    return rows


def copy_provenance(src, dst):
    for name in ("LICENSE", "SOURCE_COMMIT"):
        shutil.copyfile(src / name, dst / name)


def vendor_psa(src, dst):
    (dst / "pods").mkdir(parents=True)
    copy_provenance(src, dst)
    pods = {}  # short hash -> bytes
    out = ["\t".join(PSA_COLUMNS)]
    for row in read_tsv(src / "INDEX.tsv"):
        data = (src / row["file"]).read_bytes()
        short = hashlib.sha256(data).hexdigest()[:HASH_LEN]
        if pods.setdefault(short, data) != data:
            sys.exit(f"hash prefix collision on {short}: lengthen HASH_LEN")
        row["pod"] = f"pods/{short}.yaml"
        for col in PSA_COLUMNS:
            if "\t" in row[col] or "\n" in row[col]:
                sys.exit(f"{row['case_id']}: a tab or newline in `{col}`")
        out.append("\t".join(row[col] for col in PSA_COLUMNS))
    for short, data in pods.items():
        (dst / "pods" / f"{short}.yaml").write_bytes(data)
    (dst / "INDEX.tsv").write_text("\n".join(out) + "\n", encoding="utf-8")
    return len(out) - 1, len(pods)


def vendor_polaris(src, dst):
    dst.mkdir(parents=True)
    copy_provenance(src, dst)
    shutil.copyfile(src / "INDEX.tsv", dst / "INDEX.tsv")
    rows = read_tsv(src / "INDEX.tsv")
    for row in rows:
        target = dst / row["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / row["file"], target)
    return len(rows), len({r["file"] for r in rows})


def build(corpus, out):
    cases, files = vendor_psa(corpus / PSA, out / PSA)
    print(f"{PSA}: {cases} cases, {files} distinct pods")
    cases, files = vendor_polaris(corpus / POLARIS, out / POLARIS)
    print(f"{POLARIS}: {cases} cases, {files} files")


def differences(a, b, rel=Path()):
    """Paths under `rel` that differ between the trees `a` and `b`."""
    cmp = filecmp.dircmp(a, b)
    diff = [rel / n for n in cmp.left_only + cmp.right_only + cmp.funny_files]
    diff += [rel / n for n in cmp.common_files if not filecmp.cmp(a / n, b / n, shallow=False)]
    for sub in cmp.common_dirs:
        diff += differences(a / sub, b / sub, rel / sub)
    return diff


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help="the shared corpus folder (default: ../shared/corpus)")
    parser.add_argument("--check", action="store_true",
                        help="only compare the vendored copy with a fresh one; exit 1 if stale")
    args = parser.parse_args()
    corpus = args.corpus.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        build(corpus, fresh)
        if args.check:
            stale = []
            for name in (PSA, POLARIS):
                if not (HERE / name).is_dir():
                    stale.append(Path(name))
                else:
                    stale += differences(HERE / name, fresh / name, Path(name))
            for path in stale:
                print(f"stale: {path}")
            sys.exit(1 if stale else 0)
        for name in (PSA, POLARIS):
            shutil.rmtree(HERE / name, ignore_errors=True)
            shutil.copytree(fresh / name, HERE / name)
    print(f"wrote {HERE}")


if __name__ == "__main__":
    main()
