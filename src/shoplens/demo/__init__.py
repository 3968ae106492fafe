"""``shoplens demo``: the whole chain on the embedded default, stage by stage.

generate → load into DuckDB → metrics → bench → cohorts → start the bundled search
server → index the searches → segment → events with the offline LLM → report.
See :mod:`shoplens.demo.stages` for the stages and :func:`run_demo` for the runner.
"""

from __future__ import annotations

from shoplens.demo.pipeline import DemoParams, DemoResult, run_demo
from shoplens.demo.stages import STAGES, Stage

__all__ = ["STAGES", "DemoParams", "DemoResult", "Stage", "run_demo"]
