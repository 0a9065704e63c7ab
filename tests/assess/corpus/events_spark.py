"""App events (JSON Lines) to Parquet with plain DataFrame code."""
import sys

from awsglue.context import GlueContext
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import functions as F

args = getResolvedOptions(sys.argv, ["JOB_NAME", "source_path", "target_path"])
spark = GlueContext(SparkContext.getOrCreate()).spark_session

events = spark.read.json(args["source_path"])
events = events.select(
    F.col("id").cast("bigint").alias("event_id"),
    F.col("user").cast("string").alias("user_id"),
    F.col("type").cast("string").alias("event_type"),
    F.col("ts").cast("timestamp").alias("event_ts"),
)
events = events.filter("event_type <> 'heartbeat'")
events = events.withColumn("event_date", F.to_date(F.col("event_ts")))
events.write.mode("overwrite").partitionBy("event_date").parquet(args["target_path"])
