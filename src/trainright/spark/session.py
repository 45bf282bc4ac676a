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
    if "PYSPARK_GATEWAY_PORT" not in os.environ and (master or "local").startswith("local"):
        # Started here, not by spark-submit: the local Python workers run this interpreter.
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
    return spark
