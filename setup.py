"""Builds the extension joule._joule with CMake (pybind11's cmake_example route).

`pip install --no-build-isolation --no-index .` runs this. Set
JOULE_CMAKE_BUILD_DIR to reuse an existing CMake build tree (make install does).
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


class CMakeExtension(Extension):
    def __init__(self, name: str) -> None:
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        build_dir = Path(os.environ.get("JOULE_CMAKE_BUILD_DIR", ROOT / "build" / "python-wheel")).resolve()
        if not (build_dir / "CMakeCache.txt").exists():
            subprocess.check_call([
                "cmake", "-S", str(ROOT), "-B", str(build_dir), "-G", "Ninja",
                "-DCMAKE_BUILD_TYPE=Release", f"-DPython_EXECUTABLE={sys.executable}",
                "-DJOULE_BUILD_PYTHON=ON", "-DJOULE_BUILD_TESTS=OFF", "-DJOULE_BUILD_EXAMPLES=OFF",
                "-DJOULE_BUILD_CLI=OFF", "-DJOULE_INSTALL=OFF",
            ])
        subprocess.check_call(["cmake", "--build", str(build_dir), "--target", "joule_python"])
        built = next((build_dir / "python" / "joule").glob("_joule*.so"))
        dest = Path(self.get_ext_fullpath(ext.name))
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, dest)


setup(ext_modules=[CMakeExtension("joule._joule")], cmdclass={"build_ext": CMakeBuild})
