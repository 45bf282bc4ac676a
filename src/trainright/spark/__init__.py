"""The build on Apache Spark (`trainright build --engine spark`).

Needs the `spark` dependency group (PySpark) and Java 17; see docs/spark.md.
"""

from trainright.spark.build import build_on_spark
from trainright.spark.session import spark_session

__all__ = ["build_on_spark", "spark_session"]
