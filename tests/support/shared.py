"""Where the reference folder beside the project is (../shared: specs, fixtures), from any copy."""

from __future__ import annotations

from pathlib import Path


def project_root(start: Path | None = None) -> Path:
    """The checkout holding this file: the nearest parent with a pyproject.toml and ../shared.

    Walking up (rather than counting parents) also finds it from a copy of the tree inside the
    checkout, such as mutation testing's mutants/ folder, whose own parent has no shared/.
    """
    here = (start or Path(__file__)).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent.parent / "shared").is_dir():
            return parent
    return Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    """The shared reference folder beside the project root."""
    return project_root().parent / "shared"


SHARED = shared_dir()
SPECS = SHARED / "specs"
