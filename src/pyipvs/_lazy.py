# SPDX-License-Identifier: Apache-2.0
"""Names of a package loaded on first use (PEP 562), so that importing the package costs only
what is used: ``pyipvsadm -h`` never loads the kernel binding."""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing and collections.abc are not imported at run time: start-up cost
if TYPE_CHECKING:
    from collections.abc import Callable


def lazy_names(
    package: str, homes: dict[str, str], namespace: dict[str, object]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of ``package``, whose names live in the
    modules ``homes`` gives; a name, once loaded, is kept in ``namespace`` (its globals)."""

    def __getattr__(name: str) -> object:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        __import__(home)  # importlib.import_module's work, without importing importlib
        value = getattr(sys.modules[home], name)
        namespace[name] = value  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        names = namespace.get("__all__", [])
        assert isinstance(names, list)
        return sorted(names)

    return __getattr__, __dir__
