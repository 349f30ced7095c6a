"""Catalogue fixtures. The session database holds the official catalogue, imported once by
tests/conftest.py through `import_catalog`."""

import shutil

import pytest

from tests.catalog.helpers import OFFICIAL_DIR, CatalogCopy


@pytest.fixture
def catalog_copy(tmp_path) -> CatalogCopy:
    """The official release copied to tmp_path, to be broken or changed by a test."""
    folder = tmp_path / "ozg-leika-katalog"
    shutil.copytree(OFFICIAL_DIR, folder)
    for file in folder.iterdir():
        file.chmod(0o644)  # the shared data is read-only; the copies are edited
    folder.chmod(0o755)
    return CatalogCopy(folder)
