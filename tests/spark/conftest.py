"""One local SparkSession for every Spark test (starting the JVM takes most of a test's time)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("pyspark", reason="the spark dependency group is not installed")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java 17 on PATH", allow_module_level=True)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    from trainright.spark import spark_session

    session = spark_session("local[2]", log_level="ERROR")
    session.conf.set("spark.sql.shuffle.partitions", "2")
    session.conf.set("spark.default.parallelism", "2")
    yield session
    session.stop()
