"""The SparkSession a build runs in: UTC, Arrow transfer, quiet logs.

With no master given, Spark's own default applies: the master `spark-submit`
was given, or `local[*]` when run directly. Under `spark-submit` a cluster's own
settings (executors, memory, object-store credentials) are kept; only the few
the rules depend on are set here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from pyspark.sql import SparkSession

from trainright.errors import ConfigError

#: Settings the rules and the Arrow exchange depend on, and one the build's speed does:
#: the decisions are cached, and a cached plan keeps `spark.sql.shuffle.partitions`
#: (200) partitions unless adaptive execution may coalesce them; 200 small Python
#: tasks per stage took half of a build's time at 300,000 posts.
REQUIRED = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.ansi.enabled": "true",
    "spark.sql.optimizer.canChangeCachedPlanOutputPartitioning": "true",
}


def spark_session(
    master: str | None = None,
    *,
    log_level: str = "WARN",
    conf: Mapping[str, str] | None = None,
) -> SparkSession:
    """Get (or start) the session; `master` is e.g. `local[2]` or `spark://host:7077`.

    `conf` applies when this call starts the session (e.g. `spark.driver.memory`).
    """
    started_here = "PYSPARK_GATEWAY_PORT" not in os.environ
    if started_here:
        # Started here, not by spark-submit: the Python workers run this interpreter,
        # which has trainright and its dependencies, unless the operator named another
        # (PYSPARK_PYTHON, or spark.pyspark.python in `conf`). Without it, a cluster's
        # executors would start the system `python3`, which has neither.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("trainright build").config(
        "spark.ui.showConsoleProgress", "false"
    )
    if master:
        builder = builder.master(master)
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    for key, value in REQUIRED.items():
        spark.conf.set(key, value)
    spark.sparkContext.setLogLevel(log_level)
    if not (spark.sparkContext.master or "local").startswith("local"):
        check_executors(spark, log_level)
    return spark


def task_slots(spark: SparkSession) -> int:
    """Partitions for a Python stage whose rows are few but costly (images): two tasks
    per executor core, so a slow task does not leave a core idle at the end."""
    return max(2, 2 * spark.sparkContext.defaultParallelism)


def check_executors(spark: SparkSession, level: str = "WARN") -> None:
    """Fail before any work when the cluster's executors cannot import trainright.

    One tiny task on an executor, so a missing environment is a clear exit 2 naming
    the interpreter and the fix, not a Python traceback from the middle of a build.
    """
    sc = spark.sparkContext
    python = sc.pythonExec or "python3"
    # the task's retries would each log the executor's traceback; the error below says it
    sc.setLogLevel("OFF")
    try:
        sc.parallelize([0], 1).map(lambda _: _probe()).collect()
    except Exception as exc:  # Py4J wraps the executor's error; its text is what we have
        text = str(exc)
        missing = "No module named" in text
        raise ConfigError(
            f"the Spark executors (Python {python!r}) cannot run trainright"
            + (": it is not installed there" if missing else f": {text.splitlines()[0]}"),
            field="PYSPARK_PYTHON",
            value=python,
            hint="run the executors on a Python with trainright installed: set PYSPARK_PYTHON "
            "to its path on the workers, or ship this environment with spark.archives "
            "(docs/spark.md, 'On a cluster')",
        ) from None
    finally:
        sc.setLogLevel(level)


def _probe() -> str:
    """Runs on an executor: import what the rules' Python code needs there."""
    import trainright.minimise.images  # noqa: F401  (the executors scrub images)

    return sys.executable
