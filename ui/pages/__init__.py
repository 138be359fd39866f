"""The workspace's pages, one module each: :mod:`ui.pages.ask` (问答), :mod:`ui.pages.library` (文件库),
:mod:`ui.pages.memo` (导出 and feedback, under the answer). Each has a ``layout`` building its
components and module-level handlers taking the shared :class:`ui.state.WebApp` first;
``ui/app.py`` binds them (:func:`ui.pages.common.bind`) and wires the events."""
