"""Progress bars (rich), silenced on request."""

from __future__ import annotations

from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

__all__ = ["progress_bar"]


@contextmanager
def progress_bar(enabled: bool = True):
    """Yield a :class:`rich.progress.Progress`; disabled bars print nothing.

    Examples
    --------
    >>> with progress_bar(False) as bar:
    ...     task = bar.add_task("work", total=2)
    ...     bar.advance(task)
    """
    columns = [
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, disable=not enabled, transient=False) as bar:
        add = bar.add_task

        def add_task(description, total=None, info="", **kw):
            return add(description, total=total, info=info, **kw)

        bar.add_task = add_task  # type: ignore[method-assign]
        yield bar
