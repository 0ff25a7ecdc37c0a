"""Optional dependencies: import a module that an extra provides, or say which extra to install.

The core install (``pip install framesift``) carries only what the offline default pipeline uses.
Everything else sits behind an extra of ``pyproject.toml``; a feature whose extra is missing fails
with one line naming the ``pip install`` that fixes it (an :class:`~framesift.errors.InputError`,
so the CLI prints it and exits 2) instead of a bare ``ModuleNotFoundError`` traceback.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import InputError

__all__ = ["MissingExtra", "install_hint", "require"]


class MissingExtra(InputError):
    """A feature needs an optional dependency that is not installed."""

    def __init__(self, message: str, *, module: str, extra: str, param: str | None = None) -> None:
        super().__init__(message, param=param)
        self.module = module
        self.extra = extra


def install_hint(extra: str) -> str:
    """The install command for one extra, quoted so that shells do not expand the brackets."""
    return f"pip install 'framesift[{extra}]'"


def require(module: str, extra: str, *, feature: str | None = None, param: str | None = None) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtra` naming ``pip install 'framesift[extra]'``.

    Only a missing top-level package is translated: an ImportError raised *inside* an installed
    package (a broken build, a torch/torchvision mismatch) is a different problem and keeps its own
    message, with the cause chained.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        top = module.split(".")[0]
        if exc.name is not None and exc.name.split(".")[0] != top:
            raise  # the package is there but one of *its* dependencies is missing: not ours to rename
        what = feature or f"this feature (module '{module}')"
        raise MissingExtra(
            f"{what} needs the '{extra}' extra: {install_hint(extra)}",
            module=module,
            extra=extra,
            param=param,
        ) from exc
