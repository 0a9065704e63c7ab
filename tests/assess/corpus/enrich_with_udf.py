"""Normalise free-text addresses with a Python UDF."""
import re
import sys

from awsglue.context import GlueContext
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql.functions import col, udf
from pyspark.sql.types import StringType

args = getResolvedOptions(sys.argv, ["JOB_NAME"])
spark = GlueContext(SparkContext.getOrCreate()).spark_session


@udf(returnType=StringType())
def normalise(address):
    return re.sub(r"\s+", " ", address or "").strip().title()


df = spark.read.option("header", "true").csv("s3://acme-raw/crm/addresses/")
df = df.withColumn("address", normalise(col("address")))
df.write.mode("overwrite").parquet("s3://acme-lake/crm/addresses/")
