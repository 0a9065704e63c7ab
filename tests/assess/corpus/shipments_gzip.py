"""Carrier shipment files (semicolon CSV, gzip), deduplicated by shipment id."""
from datetime import datetime, timedelta

from pyspark.sql import SparkSession
from pyspark.sql.functions import col, to_timestamp

spark = SparkSession.builder.appName("shipments").getOrCreate()
day = (datetime.utcnow() - timedelta(days=1)).strftime("%Y-%m-%d")
source = "s3://acme-raw/carriers/shipments/" + day + "/"

df = spark.read.option("header", "true").option("sep", ";").csv(source)
df = df.select(
    col("ShipmentId").cast("bigint").alias("shipment_id"),
    col("Carrier").cast("string").alias("carrier"),
    col("Status").cast("string").alias("status"),
    col("WeightKg").cast("double").alias("weight_kg"),
    col("ShippedAt").cast("string").alias("shipped_at"),
)
df = df.withColumn("shipped_at", to_timestamp(col("shipped_at"), "dd.MM.yyyy HH:mm"))
df = df.where(col("status") != "test")
df = df.dropDuplicates(["shipment_id"])
df = df.withColumn("ship_date", col("shipped_at").cast("date"))
df.write.mode("append").partitionBy("ship_date").parquet("s3://acme-lake/logistics/shipments/")
