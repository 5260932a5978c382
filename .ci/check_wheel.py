"""The built wheel holds the package, its generated equations and both subpackages (CI step 0)."""

import pathlib
import sys
import zipfile

(wheel,) = pathlib.Path(sys.argv[1]).glob("rgflow-*.whl")
names = set(zipfile.ZipFile(wheel).namelist())
need = ["rgflow/__init__.py", "rgflow/_equations.py", "rgflow/cli/__init__.py", "rgflow/plotting/__init__.py"]
missing = [n for n in need if n not in names]
if missing:
    raise SystemExit(f"CI: the wheel {wheel.name} lacks {missing}")
print(f"wheel: {wheel.name}, {len(names)} files")
