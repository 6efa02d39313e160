# SPDX-License-Identifier: Apache-2.0
"""Problems found in a configuration, each tied to ``file:line``, and the exit status they imply.

keepalived 2.2.7 ``-t`` exits 0 when it logged nothing, 4 on a fatal problem, 6 on a script
security problem and 5 when it logged any other configuration error or warning
(``lib/scheduler.h`` KEEPALIVED_EXIT_*). A failed include check (``includer`` ... ``includea``)
also gives 6 (observed with ``keepalived -t``). :func:`exit_status` reproduces that ordering.
A few things keepalived logs without counting them as problems (an ``include`` of a directory)
are notices: printed, and the exit status stays 0.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

EXIT_OK = 0
EXIT_FATAL = 4
EXIT_CONFIG = 5
EXIT_SECURITY = 6


class Severity(str, enum.Enum):
    """How bad a problem is; keepalived treats warnings and errors alike for ``-t``."""

    NOTICE = "notice"  # logged; not a problem (the exit status is unchanged)
    WARNING = "warning"
    ERROR = "error"
    SECURITY = "security"
    INCLUDE = "include"  # an includer/m/w/b/a check failed
    FATAL = "fatal"


@dataclass(frozen=True)
class Diagnostic:
    """One problem: where it is and what keepalived would say about it."""

    file: str
    line: int
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class Reporter:
    """Collects diagnostics while a configuration is read."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def notice(self, file: str, line: int, message: str) -> None:
        self.items.append(Diagnostic(file, line, Severity.NOTICE, message))

    def warning(self, file: str, line: int, message: str) -> None:
        self.items.append(Diagnostic(file, line, Severity.WARNING, message))

    def error(self, file: str, line: int, message: str) -> None:
        self.items.append(Diagnostic(file, line, Severity.ERROR, message))

    def fatal(self, file: str, line: int, message: str) -> None:
        self.items.append(Diagnostic(file, line, Severity.FATAL, message))

    def security(self, file: str, line: int, message: str) -> None:
        self.items.append(Diagnostic(file, line, Severity.SECURITY, message))

    def include_check(self, file: str, line: int, message: str) -> None:
        self.items.append(Diagnostic(file, line, Severity.INCLUDE, message))


def exit_status(diagnostics: tuple[Diagnostic, ...] | list[Diagnostic]) -> int:
    """The ``keepalived -t`` status these give: fatal beats security (and include checks) beats
    config."""
    severities = {d.severity for d in diagnostics} - {Severity.NOTICE}
    if Severity.FATAL in severities:
        return EXIT_FATAL
    if Severity.SECURITY in severities or Severity.INCLUDE in severities:
        return EXIT_SECURITY
    if severities:
        return EXIT_CONFIG
    return EXIT_OK
