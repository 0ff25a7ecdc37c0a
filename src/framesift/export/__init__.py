"""Hand selections over: the versioned JSON manifest, image files and a contact sheet."""

from .files import write_output_dir
from .manifest import SCHEMA_VERSION, build_manifest

__all__ = ["SCHEMA_VERSION", "build_manifest", "write_output_dir"]
