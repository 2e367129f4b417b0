#!/usr/bin/env python3
"""Makes the zip fixtures of Tests/ZipArchiveTests (run once; the outputs are committed).

Every entry's content is given here and rebuilt the same way by ZipFixtureContent in
Tests/ZipArchiveTests, so the tests compare extracted bytes with known content. Timestamps
are fixed, so the Python-made archives are byte-for-byte reproducible (infozip.zip is not:
Info-ZIP stores the files' mtimes and owners).

    cd Tests/Fixtures/crashpipe/zip && python3 make-fixtures.py
"""
import io
import os
import shutil
import subprocess
import tempfile
import zipfile

WHEN = (2024, 1, 2, 3, 4, 6)

README = b"crashpipe zip fixture\nline two\n"
DATA = bytes(range(256))
SYM = b"MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 x.so\nFUNC 1000 10 0 main\n"
PLIST = (b'<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict>\n'
         + b"".join(b"  <key>Key%d</key><string>Value %d</string>\n" % (i, i * i) for i in range(40))
         + b"</dict></plist>\n")
DWARF = bytes(((i * 7 + i // 13) & 0xFF) for i in range(20000))
RESUME = "Résumé: ünïcödé name\n".encode("utf-8")


def info(name, method):
    zi = zipfile.ZipInfo(name, date_time=WHEN)
    zi.compress_type = method
    zi.external_attr = (0o40755 << 16) | 0x10 if name.endswith("/") else 0o100644 << 16
    return zi


def write(zf, name, data=b"", method=zipfile.ZIP_DEFLATED):
    zf.writestr(info(name, method), data)


def stored(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        write(zf, "README.txt", README, zipfile.ZIP_STORED)
        write(zf, "bin/", b"", zipfile.ZIP_STORED)
        write(zf, "bin/data.bin", DATA, zipfile.ZIP_STORED)
        write(zf, "empty.txt", b"", zipfile.ZIP_STORED)
        write(zf, "bin/deep/x.sym", SYM, zipfile.ZIP_STORED)


def deflated(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.comment = b"made by make-fixtures.py"
        write(zf, "App.dSYM/")
        write(zf, "App.dSYM/Contents/")
        write(zf, "App.dSYM/Contents/Info.plist", PLIST)
        write(zf, "App.dSYM/Contents/Resources/DWARF/App", DWARF)
        write(zf, "empty")
        write(zf, "Résumé.txt", RESUME)


def zip64(path):
    # Lowering the module's limits makes zipfile use ZIP64 wherever it can: the zip64 extra
    # field (sizes and offsets of 0xFFFFFFFF), the ZIP64 end of central directory record and
    # its locator. force_zip64 adds the zip64 extra field to the local headers.
    saved = zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT
    zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = 0, 0
    try:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data, method in [("README.txt", README, zipfile.ZIP_DEFLATED),
                                       ("bin/data.bin", DATA, zipfile.ZIP_STORED),
                                       ("App.dSYM/Contents/Resources/DWARF/App", DWARF, zipfile.ZIP_DEFLATED)]:
                with zf.open(info(name, method), "w", force_zip64=True) as f:
                    f.write(data)
    finally:
        zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = saved


class Unseekable(io.RawIOBase):
    """A write-only stream without seek/tell: zipfile then writes data descriptors (flag bit 3)."""

    def __init__(self, f):
        self.f = f

    def writable(self):
        return True

    def write(self, b):
        return self.f.write(b)

    def flush(self):
        self.f.flush()


def descriptor(path):
    with open(path, "wb") as raw:
        with zipfile.ZipFile(Unseekable(raw), "w", zipfile.ZIP_DEFLATED) as zf:
            write(zf, "README.txt", README)
            write(zf, "bin/data.bin", DATA, zipfile.ZIP_STORED)
            write(zf, "App.dSYM/Contents/Info.plist", PLIST)


def empty(path):
    with zipfile.ZipFile(path, "w"):
        pass


def infozip(path):
    # A folder zipped as users do (Info-ZIP `zip -r -y`: extra fields UT and ux, a symlink
    # stored as a link whose content is its target).
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "symbols")
        os.makedirs(os.path.join(root, "x.so"))
        with open(os.path.join(root, "x.so", "x.sym"), "wb") as f:
            f.write(SYM)
        with open(os.path.join(root, "README.txt"), "wb") as f:
            f.write(README)
        os.symlink("x.so/x.sym", os.path.join(root, "latest.sym"))
        out = os.path.abspath(path)
        if os.path.exists(out):
            os.remove(out)
        subprocess.run(["zip", "-q", "-r", "-y", "-D", out, "symbols/README.txt", "symbols/x.so/x.sym",
                        "symbols/latest.sym", "symbols/x.so"], cwd=tmp, check=True)
        # -D leaves directories out; add one directory entry explicitly.
        subprocess.run(["zip", "-q", out, "symbols/x.so/"], cwd=tmp, check=True)


if __name__ == "__main__":
    stored("stored.zip")
    deflated("deflated.zip")
    zip64("zip64.zip")
    descriptor("descriptor.zip")
    empty("empty.zip")
    if shutil.which("zip"):
        infozip("infozip.zip")
