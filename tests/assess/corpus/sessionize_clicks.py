"""Sessionize clickstream: a new session after 30 minutes of inactivity."""
import sys

from awsglue.context import GlueContext
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import functions as F
from pyspark.sql.window import Window

args = getResolvedOptions(sys.argv, ["JOB_NAME"])
spark = GlueContext(SparkContext.getOrCreate()).spark_session

clicks = spark.read.parquet("s3://acme-raw/web/clicks/")
by_user = Window.partitionBy("user_id").orderBy("ts")
clicks = clicks.withColumn("prev_ts", F.lag("ts").over(by_user))
clicks = clicks.withColumn(
    "new_session",
    F.when((F.col("ts").cast("long") - F.col("prev_ts").cast("long")) > 1800, 1).otherwise(0),
)
clicks = clicks.withColumn("session_no", F.sum("new_session").over(by_user))
clicks.write.mode("overwrite").partitionBy("event_date").parquet("s3://acme-lake/web/sessions/")
