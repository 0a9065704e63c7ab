"""Daily revenue per customer segment: orders joined to customers, then aggregated."""
import sys

from awsglue.context import GlueContext
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import functions as F

args = getResolvedOptions(sys.argv, ["JOB_NAME"])
spark = GlueContext(SparkContext.getOrCreate()).spark_session

orders = spark.read.parquet("s3://acme-lake/sales/orders/")
customers = spark.read.parquet("s3://acme-lake/crm/customers/")
joined = orders.join(customers, on="customer_id", how="inner")
revenue = joined.groupBy("order_date", "segment").agg(F.sum("amount").alias("revenue"))
revenue.write.mode("overwrite").partitionBy("order_date").parquet("s3://acme-lake/marts/revenue_by_segment/")
